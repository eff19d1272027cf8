package effect

import "strings"

// index holds the objects by what a check looks them up by, so a check
// costs the objects of one host, not all of them.
type index struct {
	seByHost, vsByHost    map[string][]*serviceEntryOrVS
	seWild, vsWild        []*serviceEntryOrVS
	policiesByTarget      map[string][]*policy
	policiesByNamespace   map[string][]*policy // without targetRefs
	sidecarsByNamespace   map[string][]*sidecar
	namespacesWithSidecar map[string]bool
}

// serviceEntryOrVS is one of the two (the other nil).
type serviceEntryOrVS struct {
	se *serviceEntry
	vs *virtualService
}

func (m *Model) buildIndex() {
	ix := &index{seByHost: map[string][]*serviceEntryOrVS{}, vsByHost: map[string][]*serviceEntryOrVS{},
		policiesByTarget: map[string][]*policy{}, policiesByNamespace: map[string][]*policy{},
		sidecarsByNamespace: map[string][]*sidecar{}, namespacesWithSidecar: map[string]bool{}}
	for _, se := range m.serviceEntries {
		e := &serviceEntryOrVS{se: se}
		for _, h := range se.hosts {
			if strings.HasPrefix(h, "*") {
				ix.seWild = append(ix.seWild, e)
			} else {
				ix.seByHost[h] = append(ix.seByHost[h], e)
			}
		}
	}
	for _, vs := range m.virtualServices {
		e := &serviceEntryOrVS{vs: vs}
		for _, h := range vs.hosts {
			if strings.HasPrefix(h, "*") {
				ix.vsWild = append(ix.vsWild, e)
			} else {
				ix.vsByHost[h] = append(ix.vsByHost[h], e)
			}
		}
	}
	for _, p := range m.policies {
		if len(p.targetRefs) == 0 {
			ix.policiesByNamespace[p.ref.Namespace] = append(ix.policiesByNamespace[p.ref.Namespace], p)
		}
		seen := map[string]bool{}
		for _, t := range p.targetRefs {
			k := t.kind + "/" + t.namespace + "/" + t.name
			if !seen[k] {
				seen[k] = true
				ix.policiesByTarget[k] = append(ix.policiesByTarget[k], p)
			}
		}
	}
	for _, s := range m.sidecars {
		ix.sidecarsByNamespace[s.ref.Namespace] = append(ix.sidecarsByNamespace[s.ref.Namespace], s)
		ix.namespacesWithSidecar[s.ref.Namespace] = true
	}
	m.ix = ix
}

// serviceEntriesFor lists the ServiceEntries that may hold host, in order.
func (m *Model) serviceEntriesFor(host string) []*serviceEntry {
	var out []*serviceEntry
	seen := map[*serviceEntry]bool{}
	for _, list := range [][]*serviceEntryOrVS{m.ix.seByHost[host], m.ix.seWild} {
		for _, e := range list {
			if !seen[e.se] {
				seen[e.se] = true
				out = append(out, e.se)
			}
		}
	}
	return out
}

func (m *Model) virtualServicesFor(host string) []*virtualService {
	var out []*virtualService
	seen := map[*virtualService]bool{}
	for _, list := range [][]*serviceEntryOrVS{m.ix.vsByHost[host], m.ix.vsWild} {
		for _, e := range list {
			if !seen[e.vs] {
				seen[e.vs] = true
				out = append(out, e.vs)
			}
		}
	}
	return out
}

// policiesTargeting lists the policies whose targetRefs name the object, in
// the policies' order.
func (m *Model) policiesTargeting(refs ...Ref) []*policy {
	var out []*policy
	seen := map[*policy]bool{}
	for _, r := range refs {
		for _, p := range m.ix.policiesByTarget[r.Kind+"/"+r.Namespace+"/"+r.Name] {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	return out
}

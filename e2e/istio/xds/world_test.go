package xds

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"istio.io/api/label"
	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/mesh"
)

const (
	inClusterSvc = "web"
	inClusterIP  = "10.96.0.30"
)

// bystanderNS holds a pod of a namespace without a Package (mesh defaults).
const bystanderNS = "xds-bystander"

// ambientBystanderNS is the namespace of an ambient identity no Package and
// no policy names (a namespace has one mode: the sidecar bystander's pod
// has its own).
const ambientBystanderNS = "xds-bystander-ambient"

// A workload is one simulated pod.
type workload struct {
	name   string // table label: ns/selector
	ns     string
	labels map[string]string
	ip     string
	sa     string
	pkg    *pkg // nil for the bystander
	// sel is the selector this pod stands for (nil: a pod no selector of its Package picks)
	sel map[string]string
}

// world is the fake cluster of one case: the function's output as Istio
// config plus the Kubernetes objects istiod would also see.
type world struct {
	c         *tcase
	objs      []obj // Istio objects (possibly mutated)
	workloads []*workload
	gwIP      string
	gwLabels  map[string]string
	gwPorts   []int
	wpIP      string
	fake      *xds.FakeDiscoveryServer
}

func (c *tcase) gatewayPorts() []int {
	for _, s := range c.services {
		if str(s, "metadata", "name") == c.cfg.gatewaySvc && str(s, "metadata", "namespace") == c.cfg.gatewayNS {
			var ports []int
			ps, _ := get(s, "spec", "ports").([]any)
			for _, p := range ps {
				if n, ok := toInt(get(p, "port")); ok {
					ports = append(ports, n)
				}
			}
			return ports
		}
	}
	if len(c.cfg.gatewayPorts) > 0 {
		return c.cfg.gatewayPorts
	}
	return []int{80, 443}
}

func selKey(sel map[string]string) string {
	if len(sel) == 0 {
		return "*"
	}
	var parts []string
	for _, k := range sortedKeys(sel) {
		parts = append(parts, k+"="+sel[k])
	}
	return strings.Join(parts, ",")
}

func matches(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// newWorld lays out the pods: for every sidecar Package one pod per distinct
// selector of its remoteHost entries and one pod that none of them selects; a
// pod in a namespace without a Package. Ambient Packages need no pods: the
// waypoint's RBAC is read directly.
func newWorld(c *tcase, objs []obj) *world {
	w := &world{c: c, objs: objs, gwIP: "10.9.0.1", wpIP: "10.9.0.2", gwPorts: c.gatewayPorts()}
	w.gwLabels = map[string]string{}
	for k, v := range c.cfg.gatewaySelector {
		w.gwLabels[k] = v
	}
	n := 0
	add := func(wl *workload) {
		n++
		wl.ip = fmt.Sprintf("10.1.%d.%d", n/200, n%200+10)
		w.workloads = append(w.workloads, wl)
	}
	for i := range c.packages {
		p := &c.packages[i]
		if !p.sidecar || len(p.hosts) == 0 {
			continue
		}
		seen := map[string]bool{}
		for _, e := range p.hosts {
			k := selKey(e.selector)
			if seen[k] {
				continue
			}
			seen[k] = true
			labels := map[string]string{"xds-suite/pod": fmt.Sprintf("p%d", len(seen))}
			for k, v := range e.selector {
				labels[k] = v
			}
			add(&workload{name: p.ns + "/" + k, ns: p.ns, labels: labels, sa: "default", pkg: p, sel: e.selector})
		}
		add(&workload{name: p.ns + "/(unselected)", ns: p.ns, labels: map[string]string{"xds-suite/pod": "unselected"}, sa: "default", pkg: p})
	}
	if c.objectsOnly {
		// A hand-written case: per sidecar namespace one pod per distinct
		// Sidecar selector and one pod none of them selects.
		modes := c.namespaceModes()
		for _, ns := range sortedKeys(modes) {
			if modes[ns] != modeSidecar || ns == bystanderNS {
				continue
			}
			seen := map[string]bool{}
			for _, o := range c.istio {
				sel := strMap(get(o, "spec", "workloadSelector", "labels"))
				if str(o, "kind") != "Sidecar" || str(o, "metadata", "namespace") != ns || len(sel) == 0 || seen[selKey(sel)] {
					continue
				}
				seen[selKey(sel)] = true
				labels := map[string]string{"xds-suite/pod": fmt.Sprintf("p%d", len(seen))}
				for k, v := range sel {
					labels[k] = v
				}
				add(&workload{name: ns + "/" + selKey(sel), ns: ns, labels: labels, sa: "default", sel: sel})
			}
			add(&workload{name: ns + "/(unselected)", ns: ns, labels: map[string]string{"xds-suite/pod": "unselected"}, sa: "default"})
		}
	}
	add(&workload{name: bystanderNS + "/(no Package)", ns: bystanderNS, labels: map[string]string{"xds-suite/pod": "bystander"}, sa: "default"})
	return w
}

func yamlDocs(docs []obj) string {
	var b strings.Builder
	for _, d := range docs {
		out, err := yaml.Marshal(d)
		if err != nil {
			panic(err)
		}
		b.WriteString("---\n")
		b.Write(out)
	}
	return b.String()
}

func (w *world) kubeObjects() []obj {
	c := w.c
	var out []obj
	out = append(out, w.namespaces()...)
	pod := func(name, ns, ip, sa string, labels map[string]string) obj {
		l := obj{}
		for k, v := range labels {
			l[k] = v
		}
		return obj{"apiVersion": "v1", "kind": "Pod",
			"metadata": obj{"name": name, "namespace": ns, "labels": l},
			"spec":     obj{"serviceAccountName": sa, "containers": []any{obj{"name": "app", "image": "app"}}},
			"status": obj{"phase": "Running", "podIP": ip, "podIPs": []any{obj{"ip": ip}},
				"conditions": []any{obj{"type": "Ready", "status": "True"}}},
		}
	}
	sas := map[string]bool{}
	for i, wl := range w.workloads {
		out = append(out, pod(fmt.Sprintf("pod-%d", i), wl.ns, wl.ip, wl.sa, wl.labels))
		sas[wl.ns+"/"+wl.sa] = true
	}
	for _, k := range sortedKeys(sas) {
		ns, name, _ := strings.Cut(k, "/")
		out = append(out, obj{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": obj{"name": name, "namespace": ns}})
	}
	// An in-cluster HTTP Service on port 80, as every cluster has: it gives
	// sidecars a port-80 listener (which is where a VirtualService host
	// without a ServiceEntry becomes a virtual host), and it must stay
	// reachable from every pod.
	out = append(out,
		obj{"apiVersion": "v1", "kind": "Service",
			"metadata": obj{"name": inClusterSvc, "namespace": bystanderNS},
			"spec": obj{"clusterIP": inClusterIP, "selector": obj{"app": inClusterSvc},
				"ports": []any{obj{"name": "http", "port": 80, "targetPort": 8080}}}},
		pod("web-0", bystanderNS, "10.9.0.3", "default", map[string]string{"app": inClusterSvc}))
	// The egress gateway: its Service (the input's, or one with the configured
	// ports) and one pod.
	var ports []any
	for _, p := range w.gwPorts {
		ports = append(ports, obj{"name": fmt.Sprintf("port-%d", p), "port": p, "targetPort": p})
	}
	sel := obj{}
	for k, v := range w.gwLabels {
		sel[k] = v
	}
	out = append(out,
		obj{"apiVersion": "v1", "kind": "Service",
			"metadata": obj{"name": c.cfg.gatewaySvc, "namespace": c.cfg.gatewayNS},
			"spec":     obj{"clusterIP": "10.96.0.10", "selector": sel, "ports": ports}},
		pod("egressgateway-0", c.cfg.gatewayNS, w.gwIP, "egressgateway", w.gwLabels))
	// The waypoint: the Service and pod istiod's deployment controller would create.
	wpLabels := map[string]string{label.IoK8sNetworkingGatewayGatewayName.Name: c.cfg.waypoint}
	out = append(out,
		obj{"apiVersion": "v1", "kind": "Service",
			"metadata": obj{"name": c.cfg.waypoint, "namespace": c.cfg.ambientNS, "labels": obj{
				label.IoK8sNetworkingGatewayGatewayName.Name: c.cfg.waypoint,
				label.GatewayManaged.Name:                    constants.ManagedGatewayMeshControllerLabel,
			}},
			"spec": obj{"clusterIP": "10.96.0.20", "selector": obj{label.IoK8sNetworkingGatewayGatewayName.Name: c.cfg.waypoint},
				"ports": []any{obj{"name": "mesh", "port": 15008, "appProtocol": "hbone"}}}},
		pod("waypoint-0", c.cfg.ambientNS, w.wpIP, c.cfg.waypoint, wpLabels))
	return out
}

// namespaces are the Namespaces of the fake cluster: the infrastructure's,
// and those of the simulated identities labelled with their mode.
func (w *world) namespaces() []obj {
	c := w.c
	nss := map[string]obj{c.cfg.gatewayNS: nil, c.cfg.ambientNS: nil, "istio-system": nil}
	for ns, mode := range c.namespaceModes() {
		if mode == modeSidecar {
			nss[ns] = obj{"istio-injection": "enabled"}
		} else {
			nss[ns] = obj{"istio.io/dataplane-mode": "ambient"}
		}
	}
	var out []obj
	for _, ns := range sortedKeys(nss) {
		md := obj{"name": ns}
		if nss[ns] != nil {
			md["labels"] = nss[ns]
		}
		out = append(out, obj{"apiVersion": "v1", "kind": "Namespace", "metadata": md})
	}
	return out
}

// istioObjects returns the Istio objects with the status istiod's deployment
// controller would write on the waypoint Gateway: the ambient index ignores a
// waypoint without status.addresses.
func (w *world) istioObjects() []obj {
	objs := w.objs
	if !w.c.cfg.waypointEnabled {
		// waypointEnabled: false means the waypoint is deployed by someone
		// else; the fake cluster gets one of the same shape.
		objs = append(append([]obj{}, objs...), obj{
			"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
			"metadata": obj{"name": w.c.cfg.waypoint, "namespace": w.c.cfg.ambientNS,
				"labels": obj{"istio.io/gateway-name": w.c.cfg.waypoint}},
			"spec": obj{"gatewayClassName": "istio-waypoint", "listeners": []any{obj{
				"name": "mesh", "port": 15008, "protocol": "HBONE",
				"allowedRoutes": obj{"namespaces": obj{"from": "All"}}}}},
		})
	}
	var out []obj
	for _, o := range objs {
		if str(o, "kind") == "Gateway" && group(o) == "gateway.networking.k8s.io" {
			cp := obj{}
			for k, v := range o {
				cp[k] = v
			}
			cp["status"] = obj{"addresses": []any{obj{"type": "Hostname",
				"value": fmt.Sprintf("%s.%s.svc.cluster.local", str(o, "metadata", "name"), str(o, "metadata", "namespace"))}}}
			o = cp
		}
		out = append(out, o)
	}
	return out
}

func (w *world) start(t *testing.T) {
	cfg := yamlDocs(w.istioObjects())
	kube := yamlDocs(w.kubeObjects())
	// The fake's cluster domain is fixed to cluster.local: a case configured
	// with another clusterDomain is simulated with its Service names mapped back.
	if cd := w.c.cfg.clusterDomain; cd != "cluster.local" {
		cfg = strings.ReplaceAll(cfg, ".svc."+cd, ".svc.cluster.local")
	}
	mc := mesh.DefaultMeshConfig()
	mc.TrustDomain = w.c.cfg.trustDomain
	w.fake = xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
		MeshConfig:   mc,
		ConfigString: cfg,
		// The ambient index reads ServiceEntries, AuthorizationPolicies and
		// Gateways from Kubernetes, so they are given both ways (as Istio's own
		// waypoint tests do).
		KubernetesObjectString: kube + cfg,
	})
}

func (w *world) sidecarProxy(wl *workload) *model.Proxy {
	return w.fake.SetupProxy(&model.Proxy{
		Type: model.SidecarProxy, ID: wl.name, ConfigNamespace: wl.ns, Labels: wl.labels,
		IPAddresses: []string{wl.ip},
		Metadata:    &model.NodeMetadata{Labels: wl.labels, Namespace: wl.ns},
	})
}

func (w *world) gatewayProxy() *model.Proxy {
	return w.fake.SetupProxy(&model.Proxy{
		Type: model.Router, ID: "egressgateway-0." + w.c.cfg.gatewayNS, ConfigNamespace: w.c.cfg.gatewayNS,
		Labels: w.gwLabels, IPAddresses: []string{w.gwIP},
		Metadata: &model.NodeMetadata{Labels: w.gwLabels, Namespace: w.c.cfg.gatewayNS},
	})
}

func (w *world) waypointProxy() *model.Proxy {
	labels := map[string]string{
		label.IoK8sNetworkingGatewayGatewayName.Name: w.c.cfg.waypoint,
		label.GatewayManaged.Name:                    constants.ManagedGatewayMeshControllerLabel,
	}
	return w.fake.SetupProxy(&model.Proxy{
		Type: model.Waypoint, ID: "waypoint-0." + w.c.cfg.ambientNS, ConfigNamespace: w.c.cfg.ambientNS,
		Labels: labels, IPAddresses: []string{w.wpIP},
		Metadata: &model.NodeMetadata{Labels: labels, Namespace: w.c.cfg.ambientNS},
	})
}

var _ = sort.Strings

package schemas

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// DecodeConfig reads the functionConfig: an EgressConfig, a ConfigMap with
// the same keys as strings, or nothing (all defaults).
func DecodeConfig(n *yaml.Node) (Settings, []diag.Finding) {
	s := DefaultSettings()
	n = resolve(n)
	if isNull(n) || (n.Kind == yaml.MappingNode && len(n.Content) == 0) {
		return s, nil
	}
	subject := &diag.Ref{}
	d := &decoder{subject: subject, config: true}
	if n.Kind != yaml.MappingNode {
		d.failConfig(diag.ConfigInvalid, "", "functionConfig must be a map (an %s %s or a v1 ConfigMap), got %s", ConfigAPIVersion, ConfigKind, describe(n))
		return s, d.findings
	}
	top, _ := d.mapping(n, "")
	var apiVersion, kind string
	for _, f := range top {
		switch f.key {
		case "apiVersion":
			apiVersion, _ = d.str(f.value, "apiVersion")
		case "kind":
			kind, _ = d.str(f.value, "kind")
		case "metadata":
			if md, ok := d.mapping(f.value, "metadata"); ok {
				for _, g := range md {
					if g.key == "name" {
						subject.Name, _ = d.str(g.value, "metadata.name")
					}
				}
			}
		}
	}
	subject.APIVersion, subject.Kind = apiVersion, kind
	section := ""
	switch {
	case kind == ConfigKind && apiVersion == ConfigAPIVersion:
		section = "spec"
		d.configFields(top, section, []string{"apiVersion", "kind", "metadata", "spec"}, &s, false)
	case kind == "ConfigMap" && apiVersion == "v1":
		section = "data"
		d.configFields(top, section, []string{"apiVersion", "kind", "metadata", "data"}, &s, true)
	default:
		d.failConfig(diag.ConfigInvalid, "kind",
			"functionConfig must be %s %s or a v1 ConfigMap, got %s %s", ConfigAPIVersion, ConfigKind, apiVersion, kind)
	}
	for _, def := range settingsTable {
		def.check(d, &s, section)
	}
	return s, retag(d.findings, diag.ConfigInvalid)
}

// retag turns the generic decoding codes into config codes: a bad config is
// not a bad Package.
func retag(fs []diag.Finding, code diag.Code) []diag.Finding {
	for i := range fs {
		if fs[i].Code != diag.ConfigUnknownKey && fs[i].Code != diag.HostPolicyInvalid {
			fs[i].Code = code
			fs[i].Severity = diag.SeverityOf(code)
		}
	}
	return fs
}

func (d *decoder) configFields(top []field, section string, topKeys []string, s *Settings, asStrings bool) {
	for _, f := range top {
		if !slices.Contains(topKeys, f.key) {
			d.failConfig(diag.ConfigUnknownKey, join("", f.key), "functionConfig has unknown key %q%s", f.key, suggest(f.key, topKeys))
		}
		if f.key != section {
			continue
		}
		fields, _ := d.mapping(f.value, section)
		for _, g := range fields {
			p := join(section, g.key)
			def, ok := settingByKey(g.key)
			if !ok {
				keys := SettingKeys()
				d.fail(diag.ConfigUnknownKey, p, "unknown setting %q%s; the settings are %s", p, suggest(g.key, keys), strings.Join(keys, ", "))
				continue
			}
			stored := false
			if asStrings {
				// A ConfigMap holds every value as a string.
				if v, ok := d.str(g.value, p); ok {
					stored = def.parse(d, v, p, s)
				}
			} else {
				stored = def.decode(d, g.value, p, s)
			}
			if stored && def.given != nil {
				def.given(s)
			}
		}
	}
}

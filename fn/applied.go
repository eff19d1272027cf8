package fn

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
)

// What gets applied (ProcessApplied): the objects an earlier run generated
// are compared with what the Packages produce now.

// toolAnnotations are what kpt and kustomize add to an object on the way
// (file paths, indexes, ids); they are not part of what is compared.
var toolAnnotations = []string{"config.kubernetes.io/", "internal.config.kubernetes.io/", "config.k8s.io/", "kustomize.config.k8s.io/"}

// appliedValue is an input object as JSON values (nil when it does not
// decode).
func appliedValue(item *yaml.Node) any {
	var v any
	if err := item.Decode(&v); err != nil {
		return nil
	}
	return jsonValue(v)
}

// renderedValue is a generated object as JSON values, as it is written.
func renderedValue(o *render.Object) any {
	b, err := yaml.Marshal(o)
	if err != nil {
		return nil
	}
	var v any
	if yaml.Unmarshal(b, &v) != nil {
		return nil
	}
	return jsonValue(v)
}

// jsonValue round-trips v through JSON, so that YAML-decoded and rendered
// objects compare alike (numbers as float64, maps as map[string]any).
func jsonValue(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	if m, ok := out.(map[string]any); ok {
		if md, ok := m["metadata"].(map[string]any); ok {
			if ann, ok := md["annotations"].(map[string]any); ok {
				for k := range ann {
					if slices.ContainsFunc(toolAnnotations, func(p string) bool { return strings.HasPrefix(k, p) }) {
						delete(ann, k)
					}
				}
				if len(ann) == 0 {
					delete(md, "annotations")
				}
			}
		}
	}
	return out
}

// drift compares the earlier output in the input (c.Dropped) with what
// this run generates: each object that differs, that is no longer
// generated, or that is generated but missing from the input.
func drift(c Classified, objects []render.Lazy, generated map[objectID]*render.Lazy) []diag.Finding {
	if len(c.Dropped) == 0 {
		return nil
	}
	var out []diag.Finding
	inInput := map[objectID]bool{}
	for _, d := range c.Dropped {
		inInput[d.Key] = true
		g := generated[d.Key]
		if g == nil {
			out = append(out, diag.New(diag.ObjectDrift, d.Ref, "",
				"%s is in what gets applied but its Packages no longer produce it (a Package changed or was removed without a new render): render again, or remove the object", d.Key))
			continue
		}
		o := g.Build()
		if path, applied, want, differs := firstDifference(d.Value, renderedValue(&o), ""); differs {
			out = append(out, diag.New(diag.ObjectDrift, d.Ref, path,
				"%s differs from what its Packages produce at %s (applied: %s; the Packages produce: %s): a hand edit or another mutator changed it, so what gets applied is not what the Packages ask for; render again, and find what changed it",
				d.Key, orRoot(path), short(applied), short(want)))
		}
	}
	for i := range objects {
		if k := keyOfLazy(&objects[i]); !inInput[k] {
			out = append(out, diag.New(diag.ObjectDrift, nil, "",
				"the Packages produce %s, but what gets applied does not hold it (it was removed, or the render is stale): render again", k))
		}
	}
	return out
}

// packagesMissing: generated objects, not one Package.
func packagesMissing(c Classified) diag.Finding {
	return diag.New(diag.PackagesMissing, nil, "",
		"the input holds %d object(s) this function generated (%s, ...) but not one Package, so the access they grant cannot be read (kustomize drops Packages marked config.kubernetes.io/local-config, as profile istio marks them); pipe the Packages too: kustomize build DIR | uds-egress-fn report --config EGRESS-CONFIG - PACKAGES.yaml, or review the directory itself: uds-egress-fn report DIR",
		len(c.Dropped), c.Dropped[0].Key)
}

// firstDifference walks a and b in key order and returns the path of the
// first place they differ, and the values there.
func firstDifference(a, b any, path string) (string, any, any, bool) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path, a, b, true
		}
		keys := slices.Sorted(maps.Keys(x))
		for k := range y {
			if _, found := x[k]; !found {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			va, ina := x[k]
			vb, inb := y[k]
			if !ina || !inb {
				return p, va, vb, true
			}
			if q, da, db, differs := firstDifference(va, vb, p); differs {
				return q, da, db, true
			}
		}
		return "", nil, nil, false
	case []any:
		y, ok := b.([]any)
		if !ok {
			return path, a, b, true
		}
		for i := range min(len(x), len(y)) {
			if q, da, db, differs := firstDifference(x[i], y[i], path+"["+strconv.Itoa(i)+"]"); differs {
				return q, da, db, true
			}
		}
		if len(x) != len(y) {
			return path, a, b, true
		}
		return "", nil, nil, false
	default:
		if a != b {
			return path, a, b, true
		}
		return "", nil, nil, false
	}
}

func orRoot(path string) string {
	if path == "" {
		return "the object"
	}
	return path
}

// short is a value in at most 100 characters of JSON ("absent" for none).
func short(v any) string {
	if v == nil {
		return "absent"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	if len(b) > 100 {
		return string(b[:97]) + "..."
	}
	return string(b)
}

package checker

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// EmitFlat writes, for each file read, a plain multi-document YAML stream
// of its objects (only those of checked kinds unless all is set) into dir, and returns the paths written, in input order ("" for a file that had
// nothing to write).
// ResourceLists and v1 Lists are replaced by their items: istioctl validate
// and analyze do not look inside a ResourceList (validate reports such a
// file "valid" without checking a single item). Each document is preceded
// by a comment naming where it came from.
func EmitFlat(r *Report, dir string, all bool) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for i, f := range r.Files {
		var b bytes.Buffer
		fmt.Fprintf(&b, "# Flattened by validate-istio from %s\n", f.File)
		n := 0
		for _, o := range f.Objects {
			if !o.Checked && !all {
				continue
			}
			n++
			y, err := yaml.JSONToYAML(o.JSON)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.Where(), err)
			}
			fmt.Fprintf(&b, "---\n# source: %s\n", o.Where())
			b.Write(y)
		}
		if n == 0 {
			out = append(out, "")
			continue // nothing for istioctl to look at
		}
		base := strings.TrimSuffix(filepath.Base(f.File), filepath.Ext(f.File))
		if parent := filepath.Base(filepath.Dir(f.File)); parent != "." && parent != string(filepath.Separator) {
			base = parent + "_" + base
		}
		p := filepath.Join(dir, fmt.Sprintf("%03d-%s.yaml", i, sanitize(base)))
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}

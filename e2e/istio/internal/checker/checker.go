// Package checker checks Kubernetes objects against Istio's and the Gateway
// API's own definitions: layer 1 decodes them strictly into the upstream Go
// types, layer 2 applies the upstream CRDs (OpenAPI schema, pruning, CEL
// rules) and ObjectMeta validation the way the API server does on create.
package checker

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Checker runs layers 1 and 2.
type Checker struct {
	CRDSets []*CRDSet
}

// New loads the default CRD sets (see DefaultCRDSets).
func New(istioCRDs, gatewayCRDDir string) (*Checker, error) {
	sets, err := DefaultCRDSets(istioCRDs, gatewayCRDDir)
	if err != nil {
		return nil, err
	}
	return &Checker{CRDSets: sets}, nil
}

// ExpandPaths turns the arguments into a list of files: a file stays as it
// is, a directory gives every *.yaml, *.yml and *.json under it (sorted).
func ExpandPaths(args []string) ([]string, error) {
	var files []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, a)
			continue
		}
		var found []string
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json":
				found = append(found, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no *.yaml, *.yml or *.json files", a)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// CheckFiles reads and checks every object in files.
func (c *Checker) CheckFiles(files []string) *Report {
	r := &Report{Checked: map[string]int{}, Skipped: map[string]int{}}
	for _, f := range files {
		objs, probs := ReadFile(f)
		r.Problems = append(r.Problems, probs...)
		r.Files = append(r.Files, FileObjects{File: f, Objects: objs})
		for _, o := range objs {
			c.checkObject(r, o)
		}
	}
	return r
}

// CheckBytes checks the objects in data as if read from a file named name.
func (c *Checker) CheckBytes(name string, data []byte) *Report {
	r := &Report{Checked: map[string]int{}, Skipped: map[string]int{}}
	objs, probs := ReadBytes(name, data)
	r.Problems = append(r.Problems, probs...)
	r.Files = append(r.Files, FileObjects{File: name, Objects: objs})
	for _, o := range objs {
		c.checkObject(r, o)
	}
	return r
}

func (c *Checker) checkObject(r *Report, o *Object) {
	key := strings.TrimSpace(o.APIVersion + " " + o.Kind)
	if o.APIVersion == "" || o.Kind == "" {
		r.Problems = append(r.Problems, Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerInput, Message: "object has no apiVersion or kind"})
		return
	}
	gv, err := schema.ParseGroupVersion(o.APIVersion)
	if err != nil {
		r.Problems = append(r.Problems, Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerInput, Path: "apiVersion", Message: err.Error()})
		return
	}
	gvk := gv.WithKind(o.Kind)
	covered := false
	if ok, probs := typedCheck(o, gvk); ok {
		covered = true
		r.Problems = append(r.Problems, probs...)
	}
	for _, set := range c.CRDSets {
		if set.Has(gvk.GroupKind()) {
			covered = true
			r.Problems = append(r.Problems, set.Validate(o, gvk)...)
		}
	}
	if covered {
		o.Checked = true
		r.Checked[key]++
		return
	}
	if c.knownGroup(gvk.Group) {
		r.Problems = append(r.Problems, Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerCRD, Path: "kind",
			Message: fmt.Sprintf("no CRD defines kind %q in group %q: the API server would answer \"no matches for kind\"", gvk.Kind, gvk.Group)})
		return
	}
	r.Skipped[key]++
}

func (c *Checker) knownGroup(group string) bool {
	for _, set := range c.CRDSets {
		for gk := range set.kinds {
			if gk.Group == group {
				return true
			}
		}
	}
	return false
}

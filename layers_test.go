package main

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/uds-egress-fn/uds-egress-fn"

// layers are the packages of the function, lowest first: a package may
// import only packages of a lower layer (docs/architecture.md).
var layers = [][]string{
	{"internal/diag", "internal/naming", "generators/kinds"},
	{"schemas"},
	{"internal/krmio", "generators/validate", "generators/plan"},
	{"generators/render"},
	{"fn", "internal/effect"},
	{"internal/review"},
	{""}, // the command, at the module root
}

// relative names a package of this module by its path inside the module
// ("" for the command at the root).
func relative(importPath string) (string, bool) {
	if importPath == module {
		return "", true
	}
	return strings.CutPrefix(importPath, module+"/")
}

// The import graph runs one way, and every public package is in a layer.
func TestImportsRunOneWay(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	layerOf := map[string]int{}
	for i, l := range layers {
		for _, p := range l {
			layerOf[p] = i
		}
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg, _ := relative(fields[0])
		seen[pkg] = true
		from, layered := layerOf[pkg]
		if !strings.HasPrefix(pkg, "internal/") && !strings.HasPrefix(pkg, "bench/") && !strings.HasPrefix(pkg, "e2e") && !layered {
			t.Errorf("%s is a public package: move it under internal/ or add it to the layers", pkg)
		}
		if !layered {
			continue
		}
		for _, imp := range fields[1:] {
			dep, ours := relative(imp)
			if !ours {
				continue
			}
			to, known := layerOf[dep]
			switch {
			case !known:
				t.Errorf("%s imports %s, which is not a package of the function", pkg, dep)
			case to >= from:
				t.Errorf("%s imports %s, a package of its own or a higher layer", pkg, dep)
			}
		}
	}
	for p := range layerOf {
		if !seen[p] {
			t.Errorf("layer package %s does not exist", p)
		}
	}
}

package schemas

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ModeAmbient and ModeSidecar are the one spelling of the modes: a string
// literal equal to either in a non-test Go file of the module outside
// schemas (nested modules such as e2e/istio excluded) fails.
func TestNoModeLiteralsOutsideSchemas(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, statErr := os.Stat(filepath.Join(root, "go.mod")); statErr != nil {
		t.Fatalf("module root not at %s: %v", root, statErr)
	}
	self, _ := filepath.Abs(".")
	modes := map[string]bool{ModeAmbient: true, ModeSidecar: true}
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			base := d.Name()
			if path != root && (strings.HasPrefix(base, ".") || base == "testdata" || base == "vendor" || base == "bin" || path == self) {
				return filepath.SkipDir
			}
			if _, statErr := os.Stat(filepath.Join(path, "go.mod")); statErr == nil && path != root {
				return filepath.SkipDir // another module
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		scanned++
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if v, err := strconv.Unquote(lit.Value); err == nil && modes[v] {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d: the mode %q is spelled outside schemas: use schemas.ModeAmbient or schemas.ModeSidecar", rel, fset.Position(lit.Pos()).Line, v)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 20 {
		t.Fatalf("scanned only %d Go files under %s: the walk is broken", scanned, root)
	}
}

// Package sourcescan walks the module's own non-test Go files for the
// tests that keep a fact spelled in one place (the kind registry, the mode
// constants): each reports string literals that spell it elsewhere.
package sourcescan

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

// Literal is a string literal found in a Go file: the file relative to the
// module root, its line and its value.
type Literal struct {
	File  string
	Line  int
	Value string
}

// StringLiterals returns every string literal in the non-test Go files of
// the module whose root is root, leaving out the directory owner (the
// package that owns the fact), testdata, vendor, bin, hidden directories and
// nested modules (such as e2e/istio). It fails the test when the walk finds
// fewer than 20 files, so a broken walk cannot pass.
func StringLiterals(t *testing.T, root, owner string) []Literal {
	t.Helper()
	root, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, statErr := os.Stat(filepath.Join(root, "go.mod")); statErr != nil {
		t.Fatalf("module root not at %s: %v", root, statErr)
	}
	owner, err = filepath.Abs(owner)
	if err != nil {
		t.Fatal(err)
	}
	var found []Literal
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return skipDir(root, owner, path, d.Name())
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		scanned++
		lits, err := fileLiterals(root, path)
		found = append(found, lits...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 20 {
		t.Fatalf("scanned only %d Go files under %s: the walk is broken", scanned, root)
	}
	return found
}

func skipDir(root, owner, path, base string) error {
	if path == root {
		return nil
	}
	if strings.HasPrefix(base, ".") || base == "testdata" || base == "vendor" || base == "bin" || path == owner {
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
		return filepath.SkipDir // another module
	}
	return nil
}

func fileLiterals(root, path string) ([]Literal, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		return nil, err
	}
	rel, _ := filepath.Rel(root, path)
	var out []Literal
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if v, err := strconv.Unquote(lit.Value); err == nil {
				out = append(out, Literal{File: rel, Line: fset.Position(lit.Pos()).Line, Value: v})
			}
		}
		return true
	})
	return out, nil
}

package krmio

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio/krmiotest"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// FuzzDecode fuzzes the reader and the decoders behind it. Run it with
//
//	GOTOOLCHAIN=local go test ./internal/krmio -run='^$' -fuzz='^FuzzDecode$' -fuzztime=3m
//
// (-fuzzminimizetime=3s keeps the fuzzer fuzzing instead of minimizing.)
// Plain `go test` runs the golden inputs of the pipeline as seeds and every
// file committed under testdata/fuzz/FuzzDecode/: crashers found earlier
// (bug-*) and hand-written odd-but-valid YAML (seed-*). FuzzPipeline
// (package fn) drives whole runs, with the bad-input catalogue as
// seeds too.

// goldenDir holds the pipeline's golden scenarios, used here as seeds.
const goldenDir = "../../fn/testdata/golden"

// addFuzzSeeds adds the golden inputs, and each again with its
// functionConfig.
func addFuzzSeeds(f *testing.F) {
	dirs, err := filepath.Glob(filepath.Join(goldenDir, "*"))
	if err != nil {
		f.Fatal(err)
	}
	if len(dirs) == 0 {
		f.Fatalf("no golden scenarios under %s", goldenDir)
	}
	for _, dir := range dirs {
		in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(in)
		if cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err == nil {
			f.Add(krmiotest.WithFunctionConfig(in, cfg))
		}
	}
}

// isPackage tells a UDS Package by its group and kind.
func isPackage(item *yaml.Node) bool {
	group, _, _ := strings.Cut(Text(item, "apiVersion"), "/")
	return group == schemas.PackageGroup && Text(item, "kind") == schemas.PackageKind
}

// packageNodes returns the items of data as the function's reader gives
// them (Parse), falling back to a full parse when an item does
// not parse on its own, as the pipeline does.
func packageNodes(data []byte) ([]*yaml.Node, *yaml.Node, bool) {
	rl, err := Parse(data)
	if err != nil {
		return nil, nil, false
	}
	nodes := make([]*yaml.Node, 0, len(rl.Items))
	for _, it := range rl.Items {
		n, err := it.Node()
		if err != nil {
			full, ok := krmiotest.FullParse(data)
			return full.Items, full.FunctionConfig, ok
		}
		nodes = append(nodes, n)
	}
	return nodes, rl.FunctionConfig, true
}

// FuzzDecode: decoding Packages never panics, and every finding has a code
// from the catalogue (with its severity), a message, and a path that is
// empty or starts with a known top-level field.
func FuzzDecode(f *testing.F) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		items, fc, ok := packageNodes(data)
		if !ok {
			return
		}
		// The full parse's nodes too: they may differ from the reader's.
		if full, ok := krmiotest.FullParse(data); ok {
			items = append(items, full.Items...)
		}
		for i, item := range items {
			if item == nil {
				t.Fatalf("item %d is a nil node", i)
			}
			ref := &diag.Ref{Position: i}
			if item.Kind == yaml.MappingNode {
				ref = RefOf(item, i)
			}
			// the pipeline only decodes Package objects; the decoder must also
			// survive being handed anything else.
			_, fs := schemas.DecodePackage(item, ref)
			if item.Kind == yaml.MappingNode && isPackage(item) {
				checkFindings(t, item, fs, []string{"apiVersion", "kind", "metadata", "spec"})
			}
		}
		_, fs := schemas.DecodeConfig(fc)
		checkFindings(t, fc, fs, []string{"apiVersion", "kind", "metadata", "spec", "data"})
		for _, f := range fs {
			if f.Code != diag.ConfigInvalid && f.Code != diag.ConfigUnknownKey && f.Code != diag.HostPolicyInvalid {
				t.Errorf("functionConfig finding with code %s (want config-invalid, config-unknown-key or host-policy-invalid): %s", f.Code, f.Message)
			}
		}
	})
}

// checkFindings checks the shape of findings about obj: a catalogued code
// with its catalogue severity, a message, and a path that is empty or starts
// with a known top-level field (or a top-level key obj really has: a
// duplicate key is reported at its own path).
func checkFindings(t *testing.T, obj *yaml.Node, fs []diag.Finding, known []string) {
	t.Helper()
	for _, f := range fs {
		if f.Code == "" || f.Message == "" {
			t.Errorf("finding without code or message: %+v", f)
		}
		if !catalogued(f.Code) {
			t.Errorf("finding with a code that is not in the catalogue: %q", f.Code)
		} else if f.Severity != diag.SeverityOf(f.Code) {
			t.Errorf("finding %s has severity %s, the catalogue says %s", f.Code, f.Severity, diag.SeverityOf(f.Code))
		}
		if f.Path == "" {
			continue
		}
		head := pathHead(f.Path)
		if !slices.Contains(known, head) && !hasTopKey(obj, head) {
			t.Errorf("finding %s has path %q, which does not start with a known top-level field (%s): %s", f.Code, f.Path, head, f.Message)
		}
	}
}

func catalogued(c diag.Code) bool {
	for _, e := range diag.Catalogue {
		if e.Code == c {
			return true
		}
	}
	return false
}

// pathHead is the first field of a path: "spec" of spec.network.allow[0],
// "a.b" of ["a.b"].x.
func pathHead(p string) string {
	if strings.HasPrefix(p, `["`) {
		if end := strings.Index(p, `"]`); end > 0 {
			return p[2:end]
		}
		return p
	}
	if i := strings.IndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return p
}

func hasTopKey(obj *yaml.Node, key string) bool {
	obj = Lookup(obj)
	if obj == nil || obj.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(obj.Content); i += 2 {
		if obj.Content[i].Value == key {
			return true
		}
	}
	return false
}

package fn

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio/krmiotest"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// FuzzPipeline drives whole runs. Run it with
//
//	GOTOOLCHAIN=local go test ./fn -run='^$' -fuzz='^FuzzPipeline$' -fuzztime=3m
//
// (FuzzDecode, beside the reader in internal/krmio, fuzzes reading and
// decoding alone.) -fuzzminimizetime=3s keeps the fuzzer fuzzing instead
// of minimizing. Plain `go test` runs the seeds below and every file
// committed under testdata/fuzz/FuzzPipeline/: crashers found earlier (bug-*) and hand-written
// odd-but-valid YAML (seed-*).
//
// The oracles do not trust the function's own reader: what an input means
// is decided by a full yaml.v3 parse of the document
// (krmiotest.FullParse), so a shortcut in the reader that changes the meaning of an item is caught.

// addFuzzSeeds adds the golden inputs (with their functionConfig) and the
// bad-input catalogue.
func addFuzzSeeds(f *testing.F) {
	dirs, err := filepath.Glob("testdata/golden/*")
	if err != nil {
		f.Fatal(err)
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
	for i, tc := range badInputCases() {
		in, _, _ := badInput(i, tc)
		f.Add([]byte(in))
	}
}

// FuzzPipeline: bytes in, run, bytes out. run never panics; the output is a
// ResourceList; the exit code is 1 exactly when a result is an error;
// unreadable input gives input-invalid; every input item that is not an
// earlier output of the function comes out first, in order, meaning the
// same YAML; and the output fed back into run comes out byte-identical.
func FuzzPipeline(f *testing.F) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		out1, code1 := runBytes(t, data)
		out := checkResourceListOutput(t, out1, code1)

		in, ok := krmiotest.FullParse(data)
		if !ok {
			if code1 != 1 || !hasCode(out.results, diag.InputInvalid) {
				t.Fatalf("the input is not a YAML ResourceList, but the function did not say input-invalid (exit %d)\n--- input\n%s\n--- output\n%s", code1, data, out1)
			}
			return
		}
		if hasCode(out.results, diag.InputInvalid) {
			if in.OddKeys || overAliasBudget(out.results) {
				return // a documented limit, not a misreading
			}
			t.Fatalf("the input is a YAML ResourceList, but the function says input-invalid\n--- input\n%s\n--- output\n%s", data, out1)
		}

		if !in.Ambiguous {
			// Pass-through: the kept input items come first, in order, and
			// mean the same.
			settings, cfgFindings := schemas.DecodeConfig(in.FunctionConfig)
			var kept []*yaml.Node
			for _, item := range in.Items {
				v := viewOf(item, settings)
				if v.object && v.managed && v.foreignManaged() == "" && hiddenPackage(item, &v, 0) == nil && !diag.HasErrors(cfgFindings) {
					continue // dropped and generated again
				}
				if v.object && v.pkg && settings.Istio() && !diag.HasErrors(cfgFindings) {
					// The istio profile marks Packages local-config (a
					// copy: the item may share nodes with others through
					// aliases, whose expected form must not change).
					item = expandedCopy(item)
					markLocalConfig(item)
				}
				kept = append(kept, item)
			}
			if len(out.items) < len(kept) {
				t.Fatalf("%d input items to keep, only %d items in the output\n--- input\n%s\n--- output\n%s", len(kept), len(out.items), data, out1)
			}
			for i, want := range kept {
				w, okW := canon(want)
				g, okG := canon(out.items[i])
				if okW && okG && w != g {
					t.Fatalf("input item %d did not pass through unchanged:\n%s\n--- became\n%s\n--- input\n%s\n--- output\n%s", i, w, g, data, out1)
				}
			}
		}

		// The same YAML written differently gives the same output (same
		// meaning): the function's reader must not read an item differently
		// from a YAML parser.
		if plain, ok := reformat(data); ok {
			out3, code3 := runBytes(t, plain)
			c1, ok1 := canonOutput(out1)
			c3, ok3 := canonOutput(out3)
			if ok1 && ok3 && (c1 != c3 || code1 != code3) {
				t.Fatalf("the same input written in plain block style gives a different output\n--- input\n%s\n--- reformatted\n%s\n--- output\n%s\n--- output of the reformatted input\n%s", data, plain, out1, out3)
			}
		}

		// Idempotence.
		out2, code2 := runBytes(t, out1)
		if !sameAfterRerun(out1, out2) {
			t.Fatalf("a second run over the output changed it\n--- input\n%s\n--- first output\n%s\n--- second output\n%s", data, out1, out2)
		}
		if code1 != code2 {
			t.Fatalf("exit code %d on the first run, %d on the second", code1, code2)
		}
	})
}

// canon renders what a node means (kinds, resolved tags, values, aliases
// expanded), without styles, comments or positions. ok is false when the
// expansion would be too large to compare.
func canon(n *yaml.Node) (string, bool) {
	var b strings.Builder
	budget := 200000
	var walk func(n *yaml.Node, depth int) bool
	walk = func(n *yaml.Node, depth int) bool {
		budget--
		if budget < 0 || depth > 200 {
			return false
		}
		if n == nil {
			b.WriteString("<nil>")
			return true
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				if !walk(c, depth+1) {
					return false
				}
			}
		case yaml.AliasNode:
			return walk(n.Alias, depth+1)
		case yaml.ScalarNode:
			if n.ShortTag() == "!!null" {
				b.WriteString("!!null") // "", "~" and "null" are the same null
				return true
			}
			fmt.Fprintf(&b, "%s%q", n.ShortTag(), n.Value)
		case yaml.MappingNode, yaml.SequenceNode:
			open, close := "[", "]"
			if n.Kind == yaml.MappingNode {
				open, close = "{", "}"
			}
			if t := n.ShortTag(); t != "!!map" && t != "!!seq" {
				b.WriteString(t)
			}
			b.WriteString(open)
			for i, c := range n.Content {
				if i > 0 {
					b.WriteString(",")
				}
				if !walk(c, depth+1) {
					return false
				}
			}
			b.WriteString(close)
		default:
			fmt.Fprintf(&b, "<kind %d>", n.Kind)
		}
		return true
	}
	if !walk(n, 0) {
		return "", false
	}
	return b.String(), true
}

// reformat writes the first document of data again with yaml.v3, without
// comments and with the encoder's default styles. ok is false when that is
// not possible or does not read back as the same YAML.
func reformat(data []byte) ([]byte, bool) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		return nil, false
	}
	before, ok := canon(&doc)
	if !ok {
		return nil, false
	}
	var strip func(n *yaml.Node)
	strip = func(n *yaml.Node) {
		if n == nil {
			return
		}
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
		n.Style = 0
		for _, c := range n.Content {
			strip(c)
		}
	}
	strip(&doc)
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	if err := enc.Encode(&doc); err != nil {
		return nil, false
	}
	if err := enc.Close(); err != nil {
		return nil, false
	}
	var again yaml.Node
	if err := yaml.Unmarshal(b.Bytes(), &again); err != nil {
		return nil, false
	}
	if after, ok := canon(&again); !ok || after != before {
		return nil, false
	}
	return b.Bytes(), true
}

// canonOutput is the meaning of a whole output document.
func canonOutput(out []byte) (string, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		return "", false
	}
	return canon(&doc)
}

func runBytes(t *testing.T, in []byte) ([]byte, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(bytes.NewReader(in), &out, &errOut)
	return out.Bytes(), code
}

// overAliasBudget: the run stopped because cross-item aliases expand to
// more than the input's budget allows (README, Security model: Bounds).
func overAliasBudget(rs []parsedResult) bool {
	for _, r := range rs {
		if r.Tags["code"] == string(diag.InputInvalid) && strings.Contains(r.Message, "aliases between items expand to more than") {
			return true
		}
	}
	return false
}

type fuzzOutput struct {
	items   []*yaml.Node
	results []parsedResult
}

// checkResourceListOutput parses out as a ResourceList and checks the exit
// code against its results.
func checkResourceListOutput(t *testing.T, out []byte, code int) fuzzOutput {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("the output is not YAML: %v\n%s", err, out)
	}
	if len(doc.Content) != 1 || text(doc.Content[0], "kind") != "ResourceList" {
		t.Fatalf("the output is not a ResourceList:\n%s", out)
	}
	root := doc.Content[0]
	var o fuzzOutput
	items := lookup(root, "items")
	if items == nil || items.Kind != yaml.SequenceNode {
		t.Fatalf("the output has no items list:\n%s", out)
	}
	o.items = items.Content
	if rs := lookup(root, "results"); rs != nil {
		if err := rs.Decode(&o.results); err != nil {
			t.Fatalf("the output results do not decode: %v\n%s", err, out)
		}
	}
	anyError := false
	for _, r := range o.results {
		if r.Message == "" || r.Tags["code"] == "" {
			t.Errorf("a result without message or code: %+v", r)
		}
		anyError = anyError || r.Severity == string(diag.Error)
	}
	if want := map[bool]int{true: 1, false: 0}[anyError]; code != want {
		t.Fatalf("exit code %d, but error results: %v\n%s", code, anyError, out)
	}
	return o
}

func hasCode(rs []parsedResult, c diag.Code) bool {
	for _, r := range rs {
		if r.Tags["code"] == string(c) {
			return true
		}
	}
	return false
}

// expandedCopy is a deep copy of n with every alias replaced by a copy of
// its target.
func expandedCopy(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	c := *n
	c.Anchor = ""
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, x := range n.Content {
		c.Content[i] = expandedCopy(x)
	}
	return &c
}

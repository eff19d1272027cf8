package istioctl

import (
	"os"
	"path/filepath"
	"testing"
)

func TestParseRules(t *testing.T) {
	p := filepath.Join(t.TempDir(), "w.md")
	md := "# x\n| not | a | rule | outside | markers |\n<!-- accepted:begin -->\n" +
		"| tool | level | code | message regexp | why |\n|---|---|---|---|---|\n" +
		"| analyze | Warning | IST0101 | `Referenced configmap not found: \"a\\|b\"` | partial input |\n" +
		"| validate | Warning | - | ^addresses are required | reason |\n" +
		"<!-- accepted:end -->\n| ignored | row | after | the | end |\n"
	if err := os.WriteFile(p, []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	rules, err := ParseRules(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("got %d rules, want 2", len(rules))
	}
	f := Finding{Tool: "analyze", Level: "Warning", Code: "IST0101", Message: `Referenced configmap not found: "a|b"`}
	if !rules[0].Matches(f) {
		t.Errorf("rule 0 should match %+v", f)
	}
	f.Code = "IST0102"
	if rules[0].Matches(f) {
		t.Errorf("rule 0 matched another code")
	}
	f.Code, f.Level = "IST0101", "Error"
	if rules[0].Matches(f) {
		t.Errorf("rule 0 matched another level")
	}
	v := Finding{Tool: "validate", Level: "Warning", Message: "addresses are required for ports serving TCP"}
	if !rules[1].Matches(v) {
		t.Errorf("rule 1 should match %+v", v)
	}

	bad := filepath.Join(t.TempDir(), "bad.md")
	writeFile(t, bad, []byte("<!-- accepted:begin -->\n| analyze | Warn | X | y | z |\n<!-- accepted:end -->\n"), 0o644)
	if _, err := ParseRules(bad); err == nil {
		t.Errorf("bad level accepted")
	}
	writeFile(t, bad, []byte("no markers\n"), 0o644)
	if _, err := ParseRules(bad); err == nil {
		t.Errorf("missing markers accepted")
	}
}

func TestTheRealExpectedWarningsParses(t *testing.T) {
	if _, err := ParseRules(filepath.Join("..", "..", "EXPECTED_WARNINGS.md")); err != nil {
		t.Fatal(err)
	}
}

func TestParseValidate(t *testing.T) {
	out := "\"a.yaml\" is valid\n\"b.yaml\" has warnings: \n\t* ServiceEntry/ns/se: addresses are required\n\t* Sidecar/ns/s: sidecar: x, will be applied to all services in namespace\n\"c.yaml\" is valid\n"
	fs := parseValidate(out)
	if len(fs) != 2 {
		t.Fatalf("got %d findings: %+v", len(fs), fs)
	}
	if fs[0].Origin != "ServiceEntry/ns/se" || fs[0].Message != "addresses are required" {
		t.Errorf("finding 0: %+v", fs[0])
	}
	if fs[1].Origin != "Sidecar/ns/s" {
		t.Errorf("finding 1: %+v", fs[1])
	}
}

func TestDecodeMessages(t *testing.T) {
	var msgs []struct{ Code string }
	out := "2026-01-01T00:00:00Z\twarn\tfile\terror processing x - skipping\n[\n\t{\"code\": \"IST0106\"}\n]\n"
	if err := decodeMessages(out, &msgs); err != nil || len(msgs) != 1 || msgs[0].Code != "IST0106" {
		t.Fatalf("got %v, %v", msgs, err)
	}
	if err := decodeMessages("no json here\n", &msgs); err == nil {
		t.Errorf("no error without JSON")
	}
}

func TestSourceOf(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f.yaml")
	writeFile(t, p, []byte("# Flattened\n---\n# source: in.yaml:3 (document 0, items[0])\napiVersion: v1\nkind: X\n---\n# source: in.yaml:9 (document 0, items[1])\napiVersion: v1\nkind: Y\n"), 0o644)
	if got := sourceOf(p + ":9"); got != "in.yaml:9 (document 0, items[1])" {
		t.Errorf("line 9: %q", got)
	}
	if got := sourceOf(p + ":4"); got != "in.yaml:3 (document 0, items[0])" {
		t.Errorf("line 4: %q", got)
	}
}

func writeFile(t *testing.T, name string, data []byte, perm os.FileMode) {
	t.Helper()
	if err := os.WriteFile(name, data, perm); err != nil {
		t.Fatal(err)
	}
}

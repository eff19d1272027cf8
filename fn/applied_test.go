package fn

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
)

// appliedCase edits what the function wrote (what gets applied) and says
// what the review (ProcessApplied) must give for it.
type appliedCase struct {
	name   string
	golden string
	edit   func(out string) string
	// code, object and field of the one expected error.
	code          diag.Code
	object, field string
}

func appliedCases() []appliedCase {
	return []appliedCase{
		{"a principal added by hand", "ambient-sa-vs-namespace", func(out string) string {
			return strings.Replace(out, "          - cluster.local/ns/", "          - cluster.local/ns/evil/sa/thief\n          - cluster.local/ns/", 1)
		}, diag.ObjectDrift, "AuthorizationPolicy", "spec.rules[0].from[0].source.principals[0]"},
		{"a port changed by another mutator", "ref-02-seed-sidecar-httpbin", func(out string) string {
			return strings.Replace(out, "number: 443", "number: 8443", 1)
		}, diag.ObjectDrift, "ServiceEntry", "spec.ports[0].number"},
		{"a generated object removed", "ambient-sa-vs-namespace", func(out string) string {
			return removeItem(out, "kind: AuthorizationPolicy")
		}, diag.ObjectDrift, "", ""},
		{"a Package changed without a new render", "ambient-sa-vs-namespace", func(out string) string {
			return removeItem(out, "kind: Package")
		}, diag.ObjectDrift, "", ""},
		{"profile istio piped through kustomize: the Packages dropped", "istio-profile-mixed", func(out string) string {
			for strings.Contains(out, "kind: Package\n") {
				out = removeItem(out, "kind: Package\n")
			}
			return out
		}, diag.PackagesMissing, "", ""},
	}
}

// removeItem removes the first item of a ResourceList whose text holds s.
func removeItem(out, s string) string {
	head, items, _ := strings.Cut(out, "items:\n")
	parts := strings.SplitAfter(items, "\n")
	var b strings.Builder
	b.WriteString(head + "items:\n")
	var item []string
	flush := func() {
		text := strings.Join(item, "")
		if !strings.Contains(text, s) || s == "" {
			b.WriteString(text)
		} else {
			s = "" // only the first
		}
		item = nil
	}
	for _, l := range parts {
		if strings.HasPrefix(l, "- ") || (l != "" && l[0] != ' ' && l[0] != '-') {
			flush()
		}
		item = append(item, l)
	}
	flush()
	return b.String()
}

// TestInputsAreWhatGetsApplied: a generated object in what gets applied
// that differs from what its Packages produce is an object-drift error
// naming the object and the field; generated objects without a Package are
// a packages-missing error. The expectation is the edit, not the
// function's results.
func TestInputsAreWhatGetsApplied(t *testing.T) {
	for _, c := range appliedCases() {
		t.Run(c.name, func(t *testing.T) {
			in := goldenInput(t, filepath.Join("testdata", "golden", c.golden))
			var out bytes.Buffer
			require.Equal(t, 0, Run(bytes.NewReader(in), &out, io.Discard))
			rl, err := krmio.Parse(out.Bytes())
			require.NoError(t, err)
			clean := ProcessApplied(rl)
			require.Equal(t, 0, clean.ExitCode, "the function's own output is what it would apply: %v", clean.Findings)

			edited := c.edit(out.String())
			require.NotEqual(t, out.String(), edited, "the edit changed nothing")
			rl, err = krmio.Parse([]byte(edited))
			require.NoError(t, err)
			o := ProcessApplied(rl)
			assert.Equal(t, 1, o.ExitCode)
			var got []diag.Finding
			for _, f := range o.Findings {
				if f.Severity == diag.Error {
					got = append(got, f)
				}
			}
			require.NotEmpty(t, got, "no error for the edit")
			f := got[0]
			assert.Equal(t, c.code, f.Code, f.Message)
			if c.object != "" {
				require.NotNil(t, f.Subject, f.Message)
				assert.Equal(t, c.object, f.Subject.Kind, f.Message)
				assert.Equal(t, c.field, f.Path, f.Message)
			}
			for _, f := range got {
				assert.Contains(t, []diag.Code{diag.ObjectDrift, diag.PackagesMissing}, f.Code, "only drift: %s", f.Message)
			}
			// The function itself replaces earlier output, so it never says so.
			var fnOut bytes.Buffer
			Run(strings.NewReader(edited), &fnOut, io.Discard)
			assert.NotContains(t, fnOut.String(), "object-drift")
		})
	}
}

package fn_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/effect"
	"github.com/uds-egress-fn/uds-egress-fn/internal/review"
)

// The review commands import fn, so fn's own tests reach them through
// fn.ReviewMain, set here (this external test package may import both).
func init() {
	fn.ReviewMain = func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		return review.Main(args, review.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr})
	}
}

// runReview runs a review command in process.
func runReview(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = review.Main(args, review.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), code
}

// TestReviewExamples checks the expected outputs of examples/review
// (UPDATE_GOLDEN=1 rewrites them).
func TestReviewExamples(t *testing.T) {
	dir := filepath.Join("..", "examples", "review")
	base, head := filepath.Join(dir, "base"), filepath.Join(dir, "head")
	cases := []struct {
		file string
		args []string
	}{
		{"expected-report.md", []string{"report", head}},
		{"expected-report.json", []string{"report", "--format", "json", head}},
		{"expected-graph.md", []string{"report", "--format", "mermaid", head}},
		{"expected-diff.md", []string{"diff", base, head}},
		{"expected-diff.json", []string{"diff", "--format", "json", base, head}},
		{"expected-explain.txt", []string{"explain", "AuthorizationPolicy/istio-egress-ambient/ambient-ap-backups-s3-us-east-1-amazonaws-com", head}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			out, stderr, code := runReview(t, "", c.args...)
			require.Equal(t, 0, code, stderr)
			fn.CheckGolden(t, filepath.Join(dir, c.file), []byte(out))
			if strings.HasSuffix(c.file, ".json") {
				var v map[string]any
				require.NoError(t, json.Unmarshal([]byte(out), &v))
				assert.Equal(t, review.APIVersion, v["apiVersion"])
			}
		})
	}
}

// TestReviewExitCodes: 0 on success even with changes, 1 on error results
// (the output still printed), 2 on usage errors, 3 when --fail-on matches.
func TestReviewExitCodes(t *testing.T) {
	dir := filepath.Join("..", "examples", "review")
	base, head := filepath.Join(dir, "base"), filepath.Join(dir, "head")
	goldenDir := filepath.Join("testdata", "golden")
	missingNS := filepath.Join(goldenDir, "expected-namespaces-missing")
	broken := fn.ResourceList1(`- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: bad, namespace: bad}
  spec: {network: {allow: [{direction: Egress, remoteHost: "*.example.com"}]}}
- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: good, namespace: good}
  spec: {network: {allow: [{direction: Egress, remoteHost: ok.example.com, serviceAccount: app}]}}
`)
	cases := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // a substring of stdout
		stderr string // a substring of stderr
	}{
		{"report", "", []string{"report", head}, 0, "may reach **6 hosts**", ""},
		{"diff with changes", "", []string{"diff", base, head}, 0, "**2 grants added**", ""},
		{"no change", "", []string{"diff", "--fail-on", "added", base, base}, 0, "No change in egress access", ""},
		{"fail on added", "", []string{"diff", "--fail-on", "added", base, head}, 3, "#### Added", "2 grants added"},
		{"fail on widened", "", []string{"diff", "--fail-on=widened", base, head}, 3, "namespace-wide", "namespace-wide or Anywhere grant is added"},
		{"narrowing does not widen", "", []string{"diff", "--fail-on", "widened", head, base}, 0, "", ""},
		{"error results", broken, []string{"report"}, 1, "The input has 1 error result", "1 error result"},
		{"error results in json", broken, []string{"report", "--format", "json", "-"}, 1, `"code": "host-wildcard"`, ""},
		{"error results in diff", broken, []string{"diff", base, "-"}, 1, "The head has 1 error result", ""},
		{"not YAML", "{{{", []string{"report"}, 1, "input-invalid", ""},
		{"unknown format", "", []string{"report", "--format", "html", head}, 2, "", "markdown, json or mermaid"},
		{"mermaid diff", "", []string{"diff", "--format", "mermaid", base, head}, 2, "", "markdown or json"},
		{"unknown flag", "", []string{"report", "--colour", head}, 2, "", "flag provided but not defined"},
		{"one side", "", []string{"diff", base}, 2, "", "BASE and HEAD"},
		{"bad fail-on", "", []string{"diff", "--fail-on", "removed", base, head}, 2, "", "added or widened"},
		{"fail-on on report", "", []string{"report", "--fail-on", "added", head}, 2, "", "flag of diff"},
		{"missing path", "", []string{"report", "no/such/dir"}, 2, "", "no such file or directory"},
		{"missing config", "", []string{"report", "--config", "no-such.yaml", head}, 2, "", "--config no-such.yaml"},
		{"stdin twice", "", []string{"diff", "-", "-"}, 2, "", "named twice"},
		{"explain", "", []string{"explain", "ServiceEntry/ci/runner-egress-github-com-443-tls", head}, 0, "ci/runner spec.network.allow[0]", ""},
		{"explain a host-policy object", "", []string{"explain", "DestinationRule/istio-egress-ambient/ambient-dr-httpbin-org", filepath.Join("..", "examples", "kustomize-l7-ambient")}, 0, "hosts[0]: the host policy of httpbin.org (set in the config)", ""},
		{"explain unknown object", "", []string{"explain", "Sidecar/ci/nope", head}, 2, "", "generates no object"},
		{"explain bad ref", "", []string{"explain", "Sidecar/a/b/c", head}, 2, "", "KIND/NAMESPACE/NAME"},
		{"explain a cluster-scoped name that is not there", "", []string{"explain", "Sidecar/nope", head}, 2, "", "generates no object Sidecar/nope"},
		// explain prints render's record (issue 18): a Sidecar shaped by
		// sidecarScope: workload, a Namespace (cluster-scoped), a host-policy
		// DestinationRule.
		{"explain a workload-scope Sidecar", "", []string{"explain", "Sidecar/buildkit/buildkit-egress-app-buildkitd", "--config", filepath.Join(goldenDir, "sidecar-workload-scope", "config.yaml"), filepath.Join(goldenDir, "sidecar-workload-scope", "input.yaml")}, 0, "  shaped by config:\n    sidecarScope: workload (set in the config)\n    gatewayNamespace: istio-egress-gateway (the default)\n    clusterDomain: cluster.local (the default)\n", ""},
		{"explain a workload-scope Sidecar's entries", "", []string{"explain", "Sidecar/buildkit/buildkit-egress-app-buildkitd", "--config", filepath.Join(goldenDir, "sidecar-workload-scope", "config.yaml"), filepath.Join(goldenDir, "sidecar-workload-scope", "input.yaml")}, 0, "  produced by:\n    buildkit/buildkit spec.network.allow[0]: buildkit {app=buildkitd} → registry-1.docker.io:443/TLS\n  shaped", ""},
		{"explain a namespace-scope Sidecar's entries", "", []string{"explain", "Sidecar/buildkit/buildkit-egress-app-buildkitd", filepath.Join(goldenDir, "sidecar-workload-scope", "input.yaml")}, 0, "  produced by:\n    buildkit/buildkit spec.network.allow[0]: buildkit (all pods; asked for {app=buildkitd}) → registry-1.docker.io:443/TLS\n  shaped", ""},
		{"explain a Namespace's entries", "", []string{"explain", "Namespace/istio-egress-ambient", "--config", filepath.Join(goldenDir, "istio-profile-mixed", "config.yaml"), filepath.Join(goldenDir, "istio-profile-mixed", "input.yaml")}, 0, "  produced by:\n    (no allow entry: the object exists for the mode as a whole)\n", ""},
		{"explain a namespace-scope Sidecar", "", []string{"explain", "Sidecar/buildkit/buildkit-egress-app-buildkitd", filepath.Join(goldenDir, "sidecar-workload-scope", "input.yaml")}, 0, "  shaped by config:\n    sidecarScope: namespace (the default)\n", ""},
		{"explain a Namespace", "", []string{"explain", "Namespace/istio-egress-ambient", "--config", filepath.Join(goldenDir, "istio-profile-mixed", "config.yaml"), filepath.Join(goldenDir, "istio-profile-mixed", "input.yaml")}, 0, "Namespace istio-egress-ambient (v1)\n  what: the egress namespace istio-egress-ambient", ""},
		{"explain a Namespace shaped by profile", "", []string{"explain", "Namespace/istio-egress-ambient", "--config", filepath.Join(goldenDir, "istio-profile-mixed", "config.yaml"), filepath.Join(goldenDir, "istio-profile-mixed", "input.yaml")}, 0, "    profile: istio (set in the config)\n", ""},
		// Every step of the function runs (issue 18): the ownership guard
		// of expectedNamespaces is an error in the report and in diff.
		{"ownership guard", "", []string{"report", "--format", "json", "--config", filepath.Join(missingNS, "config.yaml"), filepath.Join(missingNS, "input.yaml")}, 1, `"code": "expected-namespace-missing"`, "2 error results"},
		{"ownership guard in diff", "", []string{"diff", "--fail-on", "widened", "--config", filepath.Join(missingNS, "config.yaml"), filepath.Join(missingNS, "input.yaml"), filepath.Join(missingNS, "input.yaml")}, 1, "expected-namespace-missing", "BASE or HEAD has 4 error results"},
		{"help", "", []string{"report", "--help"}, 0, "Exit codes", ""},
		{"flags after paths", "", []string{"report", head, "--format", "json"}, 0, `"apiVersion": "review.uds-egress.dev/v1alpha1"`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, stderr, code := runReview(t, c.stdin, c.args...)
			assert.Equal(t, c.code, code, "stdout:\n%s\nstderr:\n%s", out, stderr)
			assert.Contains(t, out, c.stdout)
			assert.Contains(t, stderr, c.stderr)
		})
	}
}

// TestReviewReportShowsHostPolicyRules: the access report lists, on each
// grant of a port restricted by a host policy, the methods and paths each
// covering http rule allows; TLS ports and hosts without a policy have none.
func TestReviewReportShowsHostPolicyRules(t *testing.T) {
	in := string(fn.GoldenInput(t, filepath.Join("testdata", "golden", "ambient-hostpolicy-fleet-shared-host")))
	out, stderr, code := runReview(t, in, "report", "--format", "json")
	require.Equal(t, 0, code, stderr)
	var rep review.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	got := map[string]string{}
	for _, g := range rep.Grants {
		got[g.Identity()+" "+g.Endpoint()] = g.HTTPText()
	}
	assert.Equal(t, map[string]string{
		"team-a/sa/reader httpbin.org:80":         "GET,HEAD any path",
		"team-b/sa/writer httpbin.org:80":         "POST /post; GET /status/{*}",
		"team-c (namespace-wide) httpbin.org:80":  "GET /status/{*}",
		"team-c (namespace-wide) httpbin.org:443": "",
		"scanner/sa/scanner httpbin.org:443":      "",
	}, got)

	md, _, code := runReview(t, in, "report")
	require.Equal(t, 0, code)
	assert.Contains(t, md, "| 80 | HTTP (POST /post; GET /status/{*}) | ambient | `team-b/sa/writer` |")
}

// The README quotes the diff of examples/review; it must stay the real one.
func TestReadmeQuotesTheExampleDiff(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	diff, err := os.ReadFile(filepath.Join("..", "examples", "review", "expected-diff.md"))
	require.NoError(t, err)
	var quoted []string
	for _, l := range strings.Split(strings.TrimSpace(string(diff)), "\n") {
		quoted = append(quoted, strings.TrimRight("> "+l, " "))
	}
	assert.Contains(t, string(readme), strings.Join(quoted, "\n")+"\n", "README 'Review a change' quotes examples/review/expected-diff.md")
}

// TestReviewReportShowsEffectiveSidecarAccess: the report shows access as
// Istio computes it (the xDS suite in e2e/istio/xds proves the same on this
// case): with sidecarScope namespace every pod of jenkins can use what only
// the controller's selector asked for; with workload only the selected pods.
func TestReviewReportShowsEffectiveSidecarAccess(t *testing.T) {
	dir := filepath.Join("testdata", "golden", "sidecar-workload-scope")
	in := filepath.Join(dir, "input.yaml")
	reaches := func(args ...string) map[string]string {
		out, stderr, code := runReview(t, "", append([]string{"report", "--format", "json"}, args...)...)
		require.Equal(t, 0, code, stderr)
		var r struct {
			Grants []review.Grant `json:"grants"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &r))
		got := map[string]string{}
		for _, g := range r.Grants {
			if g.Namespace == "jenkins" {
				got[g.Endpoint()+" "+g.Identity()] = g.Reach
			}
		}
		return got
	}
	assert.Equal(t, map[string]string{
		"registry-1.docker.io:443 jenkins (all pods; asked for {app.kubernetes.io/component=jenkins-agent})":    review.ReachNamespace,
		"updates.jenkins.io:80 jenkins (all pods; asked for {app.kubernetes.io/component=jenkins-controller})":  review.ReachNamespace,
		"updates.jenkins.io:443 jenkins (all pods; asked for {app.kubernetes.io/component=jenkins-controller})": review.ReachNamespace,
	}, reaches(in))
	assert.Equal(t, map[string]string{
		"registry-1.docker.io:443 jenkins {app.kubernetes.io/component=jenkins-agent}":    review.ReachSelector,
		"updates.jenkins.io:80 jenkins {app.kubernetes.io/component=jenkins-controller}":  review.ReachSelector,
		"updates.jenkins.io:443 jenkins {app.kubernetes.io/component=jenkins-controller}": review.ReachSelector,
	}, reaches("--config", filepath.Join(dir, "config.yaml"), in))
}

// TestReviewEffectDiffers: a hand-written policy beside the Packages lets
// another namespace in; report names the identity, the host:port and the
// policy, exits 1, and the function's own output does not change.
func TestReviewEffectDiffers(t *testing.T) {
	in := fn.ResourceList1(`- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata: {name: curl, namespace: team-a}
  spec:
    network:
      allow:
      - {direction: Egress, selector: {app: curl}, serviceAccount: curl, remoteHost: httpbin.org, port: 443, description: httpbin}
- apiVersion: security.istio.io/v1
  kind: AuthorizationPolicy
  metadata: {name: extra, namespace: istio-egress-ambient}
  spec:
    targetRefs: [{group: networking.istio.io, kind: ServiceEntry, name: ambient-se-httpbin-org}]
    rules:
    - from: [{source: {namespaces: [team-b]}}]
`)
	out, stderr, code := runReview(t, in, "report", "--format", "json")
	require.Equal(t, 1, code, stderr)
	var rep review.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	var msgs []string
	for _, r := range rep.Results {
		if r.Code == string(diag.EffectDiffers) {
			assert.Equal(t, "error", r.Severity)
			msgs = append(msgs, r.Message)
		}
	}
	require.Len(t, msgs, 1, "%v", rep.Results)
	assert.Contains(t, msgs[0], "team-b (any other service account) can reach httpbin.org:443 (TLS)")
	assert.Contains(t, msgs[0], "AuthorizationPolicy istio-egress-ambient/extra spec.rules[0]")
	assert.Contains(t, msgs[0], "no Package asks for it")

	// can-i says the same, with the rule.
	canI, _, code := runReview(t, in, "can-i", "team-b/any", "https://httpbin.org")
	assert.Equal(t, 0, code)
	assert.Contains(t, canI, "allowed by: AuthorizationPolicy istio-egress-ambient/extra spec.rules[0]")
	assert.Contains(t, canI, "asked for by: no Package in the input")
	// Without the extra policy, intent and effect agree.
	plain, _, found := strings.Cut(in, "- apiVersion: security.istio.io/v1")
	require.True(t, found)
	_, stderr, code = runReview(t, plain, "report")
	assert.Equal(t, 0, code, stderr)
}

// TestCanIExitCodes: 0 yes, 1 no, 2 usage or unreadable input; json.
func TestCanIExitCodes(t *testing.T) {
	ref := filepath.Join("testdata", "reference", "01-seed-ambient-httpbin", "input.yaml")
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"can-i", "egress-gw-1/curl", "https://httpbin.org", ref}, 0},
		{[]string{"can-i", "egress-gw-1/curl", "https://httpbin.org:8443", ref}, 1},
		{[]string{"can-i", "egress-gw-1/other", "https://httpbin.org", ref}, 1},
		{[]string{"can-i", "egress-gw-1", "https://httpbin.org", ref}, 2},
		{[]string{"can-i", "egress-gw-1/curl", "ftp://httpbin.org", ref}, 2},
		{[]string{"can-i", "egress-gw-1/curl", "https://httpbin.org", "no-such-file"}, 2},
		{[]string{"can-i", "--method", "GET", "egress-gw-1/curl", "https://httpbin.org", ref}, 2},
	} {
		_, stderr, code := runReview(t, "", c.args...)
		assert.Equal(t, c.code, code, "%v: %s", c.args, stderr)
	}
	_, stderr, code := runReview(t, "not: [valid", "can-i", "a/b", "https://x.example.com")
	assert.Equal(t, 2, code, stderr)

	out, _, code := runReview(t, "", "can-i", "--format", "json", "egress-gw-1/curl", "https://httpbin.org", ref)
	require.Equal(t, 0, code)
	var ans review.CanIAnswer
	require.NoError(t, json.Unmarshal([]byte(out), &ans))
	assert.Equal(t, "yes", ans.Decision.Verdict)
	assert.Equal(t, []string{"egress-gw-1/pkg-1 spec.network.allow[0]"}, ans.Sources)

	t.Setenv("UDS_EGRESS_FN_EFFECT_MUTATION", "drop-deny")
	_, stderr, code = runReview(t, "", "can-i", "egress-gw-1/curl", "https://httpbin.org", ref)
	assert.Equal(t, 2, code, "a mutation without the self-test switch is refused")
	assert.Contains(t, stderr, "self-test only")
}

// TestReviewObjectsAloneMatchPackages (issue 20, done-when): report over
// only the objects the UDS operator would apply (the reference cases'
// expected.yaml, produced with the operator's own generators) allows the
// same connections as report over the Packages, whose effect equals their
// grants (no effect-differs).
func TestReviewObjectsAloneMatchPackages(t *testing.T) {
	allowed := func(args ...string) map[string]bool {
		out, stderr, code := runReview(t, "", append([]string{"report", "--format", "json"}, args...)...)
		require.Equal(t, 0, code, stderr)
		var rep review.Report
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		require.NotNil(t, rep.Effect, args)
		for _, r := range rep.Results {
			require.NotEqual(t, "effect-differs", r.Code, r.Message)
		}
		got := map[string]bool{}
		for _, c := range rep.Effect.Cells {
			if c.Allowed() && c.Endpoint != effect.AnyHost {
				got[review.IdentityText(c.Identity)+" "+c.Host+":"+strconv.Itoa(c.Port)+" "+c.Protocol] = true
			}
		}
		return got
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "reference", "*"))
	require.NoError(t, err)
	require.Len(t, dirs, 4)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			fromPackages := allowed(filepath.Join(dir, "input.yaml"))
			require.NotEmpty(t, fromPackages)
			assert.Equal(t, fromPackages, allowed(filepath.Join(dir, "expected.yaml")))
		})
	}
}

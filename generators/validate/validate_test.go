package validate_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/validate"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// want is one expected finding. msg lists substrings the message must hold.
type want struct {
	sev  diag.Severity
	code diag.Code
	path string
	msg  []string
}

func errAt(code diag.Code, path string, msg ...string) want {
	return want{diag.Error, code, path, msg}
}

// tc is one validation case: a Package built from allow (a YAML list body,
// one entry per line) in mode ("" = no serviceMesh block) and namespace
// ("" = "shop"); want lists every finding validate.Package must make, in
// order. An empty want means the Package passes with no finding at all.
type tc struct {
	mode  string
	ns    string
	name  string
	allow string
	want  []want
}

// packageYAML renders a Package manifest.
func packageYAML(name, ns, mode, allow string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata:\n  name: %s\n  namespace: %s\nspec:\n  network:\n", name, ns)
	if mode != "" {
		fmt.Fprintf(&b, "    serviceMesh:\n      mode: %s\n", mode)
	}
	b.WriteString("    allow:\n")
	for _, line := range strings.Split(strings.TrimSpace(allow), "\n") {
		b.WriteString("      " + strings.TrimSpace(line) + "\n")
	}
	return b.String()
}

// decode builds a Package the way the function does. Decoding must not
// fail: the cases exercise validation, not the decoder.
func decode(t *testing.T, name, ns, mode, allow string) schemas.Subject {
	t.Helper()
	var doc yaml.Node
	src := packageYAML(name, ns, mode, allow)
	require.NoError(t, yaml.Unmarshal([]byte(src), &doc), src)
	ref := &diag.Ref{APIVersion: schemas.PackageAPIVersion, Kind: schemas.PackageKind, Name: name, Namespace: ns}
	pkg, fs := schemas.DecodePackage(&doc, ref)
	for _, f := range fs {
		require.NotEqual(t, diag.Error, f.Severity, "decode: %s: %s\n%s", f.Path, f.Message, src)
	}
	return schemas.Subject{Package: &pkg, Ref: ref}
}

func checkFindings(t *testing.T, s schemas.Subject, got []diag.Finding, wants []want) {
	t.Helper()
	if !assert.Len(t, got, len(wants), "findings: %s", describe(got)) {
		return
	}
	for i, w := range wants {
		f := got[i]
		assert.Equal(t, w.sev, f.Severity, "finding %d severity", i)
		assert.Equal(t, w.code, f.Code, "finding %d code", i)
		assert.Equal(t, w.path, f.Path, "finding %d path", i)
		if assert.NotNil(t, f.Subject, "finding %d subject", i) {
			assert.Same(t, s.Ref, f.Subject, "finding %d subject is the Package's ref", i)
			assert.Equal(t, s.Package.Metadata.Name, f.Subject.Name)
			assert.Equal(t, s.Package.Metadata.Namespace, f.Subject.Namespace)
		}
		for _, m := range w.msg {
			assert.Contains(t, f.Message, m, "finding %d message", i)
		}
	}
}

func describe(fs []diag.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "\n  %s %s %s: %s", f.Severity, f.Code, f.Path, f.Message)
	}
	return b.String()
}

func run(t *testing.T, cases map[string]tc) {
	t.Helper()
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			pkgName, ns := c.name, c.ns
			if pkgName == "" {
				pkgName = "web"
			}
			if ns == "" {
				ns = "shop"
			}
			s := decode(t, pkgName, ns, c.mode, c.allow)
			checkFindings(t, s, validate.Package(s), c.want)
		})
	}
}

const a0 = "spec.network.allow[0]"

func TestRule1RemoteRequired(t *testing.T) {
	run(t, map[string]tc{
		"no remote at all": {
			allow: `- {direction: Egress, port: 443}`,
			want:  []want{errAt(diag.MissingRemote, a0, "remoteGenerated, remoteNamespace, remoteSelector, remoteCidr or remoteHost")},
		},
		"selector and protocol are not a remote": {
			allow: `
- {direction: Ingress, remoteNamespace: monitoring}
- {direction: Ingress, selector: {app: web}, remoteProtocol: TCP, port: 8080}`,
			want: []want{errAt(diag.MissingRemote, "spec.network.allow[1]")},
		},
		"empty remoteNamespace is a remote (all namespaces)": {
			allow: `- {direction: Ingress, remoteNamespace: ""}`,
		},
		"remoteGenerated":        {allow: `- {direction: Egress, remoteGenerated: KubeAPI}`},
		"remoteNamespace":        {allow: `- {direction: Egress, remoteNamespace: db}`},
		"remoteSelector":         {allow: `- {direction: Egress, remoteSelector: {app: db}}`},
		"empty remoteSelector":   {allow: `- {direction: Egress, remoteSelector: {}}`},
		"remoteCidr":             {allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8}`},
		"remoteHost":             {allow: `- {direction: Egress, remoteHost: api.github.com}`},
		"remotePodLabels counts": {allow: `- {direction: Egress, remotePodLabels: {app: db}}`},
	})
}

func TestRule2RemoteCombinations(t *testing.T) {
	run(t, map[string]tc{
		"remoteGenerated with remoteHost": {
			allow: `- {direction: Egress, remoteGenerated: Anywhere, remoteHost: api.github.com}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteHost", "remoteGenerated cannot be combined with remoteHost")},
		},
		"remoteGenerated with TLS": {
			allow: `- {direction: Egress, remoteGenerated: Anywhere, remoteProtocol: TLS}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteProtocol", "remoteGenerated cannot be combined with TLS/HTTP remoteProtocol")},
		},
		"remoteGenerated with HTTP": {
			allow: `- {direction: Egress, remoteGenerated: IntraNamespace, remoteProtocol: HTTP}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteProtocol", "remoteGenerated cannot be combined with TLS/HTTP remoteProtocol")},
		},
		"remoteGenerated with remoteNamespace": {
			allow: `- {direction: Egress, remoteGenerated: KubeAPI, remoteNamespace: db}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteNamespace", "remoteGenerated cannot be combined with remoteNamespace")},
		},
		"remoteGenerated with empty remoteNamespace": {
			allow: `- {direction: Egress, remoteGenerated: KubeAPI, remoteNamespace: ""}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteNamespace")},
		},
		"remoteGenerated with remoteSelector": {
			allow: `- {direction: Egress, remoteGenerated: KubeNodes, remoteSelector: {app: db}}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteSelector", "remoteGenerated cannot be combined with remoteSelector")},
		},
		"remoteGenerated with remoteCidr": {
			allow: `- {direction: Egress, remoteGenerated: CloudMetadata, remoteCidr: 10.0.0.0/8}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteCidr", "remoteGenerated cannot be combined with remoteCidr")},
		},
		"remoteNamespace with remoteCidr": {
			allow: `- {direction: Egress, remoteNamespace: db, remoteCidr: 10.0.0.0/8}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteCidr", "remoteNamespace/remoteSelector cannot be combined with remoteCidr")},
		},
		"remoteSelector with remoteHost": {
			allow: `- {direction: Egress, remoteSelector: {app: db}, remoteHost: api.github.com}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteHost", "remoteNamespace/remoteSelector cannot be combined with remoteHost")},
		},
		"remoteNamespace with HTTP": {
			allow: `- {direction: Egress, remoteNamespace: db, remoteProtocol: HTTP}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteProtocol", "remoteNamespace/remoteSelector cannot be combined with TLS/HTTP remoteProtocol")},
		},
		"remoteCidr with remoteHost": {
			allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8, remoteHost: api.github.com}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteHost", "remoteCidr cannot be combined with remoteHost")},
		},
		"remoteCidr with HTTP": {
			allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8, remoteProtocol: HTTP}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteProtocol", "remoteCidr cannot be combined with TLS/HTTP remoteProtocol")},
		},
		"remoteCidr with TLS": {
			allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8, remoteProtocol: TLS}`,
			want:  []want{errAt(diag.ConflictingRemote, a0+".remoteProtocol")},
		},
		"remoteNamespace with remoteSelector is fine": {
			allow: `- {direction: Egress, remoteNamespace: db, remoteSelector: {app: postgres}, port: 5432}`,
		},
		"remoteNamespace with TCP is fine":  {allow: `- {direction: Egress, remoteNamespace: db, remoteProtocol: TCP}`},
		"remoteCidr with UDP is fine":       {allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8, remoteProtocol: UDP}`},
		"remoteGenerated with TCP is fine":  {allow: `- {direction: Egress, remoteGenerated: KubeAPI, remoteProtocol: TCP}`},
		"remoteHost with TLS is fine":       {allow: `- {direction: Egress, remoteHost: api.github.com, remoteProtocol: TLS}`},
		"remoteHost with HTTP is fine":      {allow: `- {direction: Egress, remoteHost: httpbin.org, remoteProtocol: HTTP}`},
		"TLS without any remote is rule 1":  {allow: `- {direction: Egress, remoteProtocol: TLS}`, want: []want{errAt(diag.MissingRemote, a0)}},
		"remoteCidr alone is fine":          {allow: `- {direction: Egress, remoteCidr: 192.168.0.0/16, port: 5432}`},
		"remoteGenerated alone is fine too": {allow: `- {direction: Egress, remoteGenerated: Anywhere}`},
	})
}

func TestRule3UDPGenerated(t *testing.T) {
	cases := map[string]tc{}
	for _, g := range []string{"KubeAPI", "KubeNodes", "CloudMetadata"} {
		cases["UDP with "+g] = tc{
			allow: fmt.Sprintf(`- {direction: Egress, remoteGenerated: %s, remoteProtocol: UDP}`, g),
			want:  []want{errAt(diag.UDPGenerated, a0+".remoteProtocol", "UDP", g, "TCP-only")},
		}
		cases["TCP with "+g+" is fine"] = tc{allow: fmt.Sprintf(`- {direction: Egress, remoteGenerated: %s, remoteProtocol: TCP}`, g)}
	}
	cases["UDP with Anywhere is fine"] = tc{allow: `- {direction: Egress, remoteGenerated: Anywhere, remoteProtocol: UDP, port: 53}`}
	cases["UDP with IntraNamespace is fine"] = tc{allow: `- {direction: Ingress, remoteGenerated: IntraNamespace, remoteProtocol: UDP}`}
	run(t, cases)
}

func TestRule4HostProtocol(t *testing.T) {
	run(t, map[string]tc{
		"remoteHost with TCP": {
			allow: `- {direction: Egress, remoteHost: db.example.com, remoteProtocol: TCP, port: 5432}`,
			want:  []want{errAt(diag.HostProtocol, a0+".remoteProtocol", "remoteProtocol TCP cannot be used with remoteHost", "use TLS (the default) or HTTP")},
		},
		"remoteHost with UDP": {
			allow: `- {direction: Egress, remoteHost: dns.example.com, remoteProtocol: UDP, port: 53}`,
			want:  []want{errAt(diag.HostProtocol, a0+".remoteProtocol", "remoteProtocol UDP cannot be used with remoteHost", "use TLS (the default) or HTTP")},
		},
		"remoteHost without protocol is TLS": {allow: `- {direction: Egress, remoteHost: api.github.com}`},
		"remoteHost with HTTP":               {allow: `- {direction: Egress, remoteHost: httpbin.org, remoteProtocol: HTTP, port: 8080}`},
	})
}

func TestRule5HostIngress(t *testing.T) {
	run(t, map[string]tc{
		"Ingress with remoteHost": {
			allow: `- {direction: Ingress, remoteHost: api.github.com}`,
			want:  []want{errAt(diag.HostIngress, a0+".direction", "direction: Egress", "Ingress")},
		},
		"Ingress with TLS": {
			allow: `- {direction: Ingress, remoteNamespace: gateway, remoteProtocol: TLS}`,
			want: []want{
				errAt(diag.ConflictingRemote, a0+".remoteProtocol"),
				errAt(diag.HostIngress, a0+".direction", "direction: Egress"),
			},
		},
		"Ingress with HTTP": {
			allow: `- {direction: Ingress, remoteGenerated: Anywhere, remoteProtocol: HTTP}`,
			want: []want{
				errAt(diag.ConflictingRemote, a0+".remoteProtocol"),
				errAt(diag.HostIngress, a0+".direction"),
			},
		},
		"Ingress with TCP is fine":    {allow: `- {direction: Ingress, remoteNamespace: gateway, remoteProtocol: TCP, port: 8080}`},
		"Egress with remoteHost fine": {allow: `- {direction: Egress, remoteHost: api.github.com}`},
	})
}

func TestRule6Wildcard(t *testing.T) {
	cases := map[string]tc{
		"exact host is fine": {allow: `- {direction: Egress, remoteHost: api.github.com}`},
	}
	for _, h := range []string{"*.github.com", "api.*.com", "*", "api.github.*"} {
		cases["wildcard "+h] = tc{
			allow: fmt.Sprintf(`- {direction: Egress, remoteHost: %q}`, h),
			want:  []want{errAt(diag.HostWildcard, a0+".remoteHost", "wildcard", h)},
		}
	}
	run(t, cases)
}

func TestRule7HostFormat(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	three63 := label63 + "." + label63 + "." + label63 // 191 characters
	host253 := three63 + "." + strings.Repeat("b", 61)
	host254 := three63 + "." + strings.Repeat("b", 62)
	require.Len(t, host253, 253)
	require.Len(t, host254, 254)

	bad := func(host string, msg ...string) tc {
		return tc{
			allow: fmt.Sprintf(`- {direction: Egress, remoteHost: %q}`, host),
			want:  []want{errAt(diag.HostInvalid, a0+".remoteHost", msg...)},
		}
	}
	good := func(host string) tc {
		return tc{allow: fmt.Sprintf(`- {direction: Egress, remoteHost: %q}`, host)}
	}
	run(t, map[string]tc{
		"port suffix":         bad("registry.example.com:5000", "remove the port suffix", "remoteHost: registry.example.com", "port: 5000"),
		"trailing dot":        bad("api.github.com.", "trailing dot", `"api.github.com"`),
		"https scheme":        bad("https://api.github.com", `remove the scheme "https://"`, `"api.github.com"`),
		"scheme, port, path":  bad("http://httpbin.org:8080/get", `"http://"`, `"httpbin.org"`),
		"path":                bad("api.github.com/repos", "remove the path", `"api.github.com"`),
		"query":               bad("api.github.com?x=1", "remove the path"),
		"inner space":         bad("api github.com", "spaces"),
		"leading space":       bad(" api.github.com", "spaces"),
		"unicode":             bad("bücher.de", "non-ASCII", "punycode"),
		"IPv4 literal":        bad("192.168.1.10", "IP address", "remoteCidr"),
		"IPv6 literal":        bad("2001:db8::1", "IP address", "remoteCidr"),
		"bracketed IPv6":      bad("[2001:db8::1]", "IP address"),
		"IPv4 with port":      bad("192.168.1.10:443", "IP address", "remoteCidr"),
		"IPv6 with port":      bad("[2001:db8::1]:443", "IP address", "remoteCidr"),
		"254 characters":      bad(host254, "254 characters", "at most 253"),
		"label over 63":       bad(strings.Repeat("x", 64)+".example.com", "is not a DNS label", "63"),
		"empty label":         bad("api..github.com", "empty label"),
		"leading dot":         bad(".github.com", "empty label"),
		"underscore":          bad("_srv.example.com", "_srv", "is not a DNS label"),
		"label ends in dash":  bad("api-.example.com", "api-", "is not a DNS label"),
		"253 characters":      good(host253),
		"label of 63":         good(label63 + ".example.com"),
		"punycode":            good("xn--bcher-kva.de"),
		"single label":        bad("localhost", "single label", "search list", `"localhost.example.com"`),
		"single label short":  bad("kubernetes", "single label"),
		"numeric single":      bad("2130706433", "all digits"),
		"numeric last label":  bad("api.123", `last label "123" is all digits`, "remoteCidr"),
		"dotted IPv4 short":   bad("127.1", "all digits"),
		"hex-looking IPv4":    bad("0x7f.1", `"1" is all digits`),
		"leading zeros TLD":   bad("api.007", "all digits"),
		"beyond int64 TLD":    bad("api.99999999999999999999", "all digits"),
		"digits inside TLD":   good("api.example.c0m"),
		"numeric inner label": good("api.123.example.com"),
		"digits and dashes":   good("123-api.s3.eu-west-1.amazonaws.com"),
		"ordinary host":       good("api.github.com"),
		"uppercase is a warn": {allow: `- {direction: Egress, remoteHost: API.GitHub.com}`, want: []want{{diag.Warning, diag.HostUppercase, a0 + ".remoteHost", []string{`"API.GitHub.com"`, `"api.github.com"`}}}},
	})
}

func TestHostInCluster(t *testing.T) {
	inCluster := func(host string, msg ...string) tc {
		return tc{
			allow: fmt.Sprintf(`- {direction: Egress, remoteHost: %q}`, host),
			want:  []want{errAt(diag.HostInCluster, a0+".remoteHost", append([]string{"remoteNamespace and remoteSelector"}, msg...)...)},
		}
	}
	good := func(host string) tc {
		return tc{allow: fmt.Sprintf(`- {direction: Egress, remoteHost: %q}`, host)}
	}
	run(t, map[string]tc{
		"API server full name":      inCluster("kubernetes.default.svc.cluster.local", `cluster domain "cluster.local"`),
		"API server short name":     inCluster("kubernetes.default.svc", "ends in .svc"),
		"any service .svc":          inCluster("db.shop.svc", ".svc"),
		"the cluster domain itself": inCluster("cluster.local", "cluster domain"),
		"pod DNS name":              inCluster("10-0-0-1.shop.pod.cluster.local", "cluster domain"),
		"upper case in-cluster":     {allow: `- {direction: Egress, remoteHost: Kubernetes.Default.SVC}`, want: []want{{diag.Warning, diag.HostUppercase, a0 + ".remoteHost", nil}, errAt(diag.HostInCluster, a0+".remoteHost")}},
		"svc inside a name":         good("svc.example.com"),
		"svc-like label":            good("api.mysvc"),
		"cluster.local inside":      good("cluster.local.example.com"),
		"sidecar mode too":          {mode: "sidecar", allow: `- {direction: Egress, remoteHost: kubernetes.default.svc.cluster.local}`, want: []want{errAt(diag.HostInCluster, a0+".remoteHost")}},
	})
}

func TestHostInClusterFollowsClusterDomain(t *testing.T) {
	s := decode(t, "web", "shop", "", `
- {direction: Egress, remoteHost: api.corp.internal}
- {direction: Egress, remoteHost: kubernetes.default.svc.cluster.local, description: other}`)
	fs := validate.Rules{ClusterDomain: "corp.internal"}.Package(s)
	require.Len(t, fs, 1, describe(fs))
	assert.Equal(t, diag.HostInCluster, fs[0].Code)
	assert.Equal(t, a0+".remoteHost", fs[0].Path)
	assert.Contains(t, fs[0].Message, `"corp.internal"`)
}

func TestSelectors(t *testing.T) {
	bad := func(field, path string, msg ...string) want {
		return errAt(diag.SelectorInvalid, a0+"."+path, append([]string{field}, msg...)...)
	}
	run(t, map[string]tc{
		"comma and equals in a value": {
			allow: `- {direction: Egress, selector: {a: "b,c=d"}, remoteHost: api.example.com}`,
			want:  []want{bad("selector", "selector.a", `value "b,c=d"`)},
		},
		"empty key": {
			allow: `- {direction: Egress, selector: {"": x}, remoteHost: api.example.com}`,
			want:  []want{bad("selector", `selector[""]`, `key ""`)},
		},
		"star key": {
			allow: `- {direction: Egress, selector: {"*": x}, remoteHost: api.example.com}`,
			want:  []want{bad("selector", "selector.*", `key "*"`)},
		},
		"dotted key with a bad value": {
			allow: `- {direction: Egress, selector: {app.kubernetes.io/name: "-web"}, remoteHost: api.example.com}`,
			want:  []want{bad("selector", `selector["app.kubernetes.io/name"]`, `"-web"`)},
		},
		"value over 63": {
			allow: fmt.Sprintf(`- {direction: Egress, selector: {app: %s}, remoteHost: api.example.com}`, strings.Repeat("v", 64)),
			want:  []want{bad("selector", "selector.app", "63")},
		},
		"key and value both bad": {
			allow: `- {direction: Egress, selector: {"a b": "c d"}, remoteHost: api.example.com}`,
			want:  []want{bad("selector", `selector["a b"]`, "key"), bad("selector", `selector["a b"]`, "value")},
		},
		"remoteSelector": {
			allow: `- {direction: Egress, remoteSelector: {"app=db": x}}`,
			want:  []want{bad("remoteSelector", `remoteSelector.app=db`, "key")},
		},
		"deprecated podLabels checked as selector": {
			allow: `- {direction: Egress, podLabels: {"a,b": x}, remoteHost: api.example.com}`,
			want:  []want{bad("selector", "selector.a,b")},
		},
		"valid prefixed key and empty value": {
			allow: `- {direction: Egress, selector: {app.kubernetes.io/name: web, tier: ""}, remoteHost: api.example.com}`,
		},
	})
}

func TestRule7UppercaseIsNotAnError(t *testing.T) {
	s := decode(t, "web", "shop", "", `- {direction: Egress, remoteHost: Api.Example.COM}`)
	fs := validate.Package(s)
	require.Len(t, fs, 1)
	assert.Equal(t, diag.HostUppercase, fs[0].Code)
	assert.False(t, diag.HasErrors(fs), "an upper-case host must not reject the Package")
}

func TestRule8ServiceAccount(t *testing.T) {
	scope := func(path string, msg ...string) []want {
		return []want{errAt(diag.ServiceAccount, path, append([]string{"only works in ambient mode"}, msg...)...)}
	}
	run(t, map[string]tc{
		"sidecar mode with remoteHost": {
			mode:  "sidecar",
			allow: `- {direction: Egress, remoteHost: api.github.com, serviceAccount: web}`,
			want:  scope(a0+".serviceAccount", "sidecar mode"),
		},
		"sidecar mode with Anywhere Egress": {
			mode:  "sidecar",
			allow: `- {direction: Egress, remoteGenerated: Anywhere, serviceAccount: web}`,
			want:  scope(a0+".serviceAccount", "sidecar mode"),
		},
		"remoteNamespace entry in ambient": {
			mode:  "ambient",
			allow: `- {direction: Egress, remoteNamespace: db, serviceAccount: web}`,
			want:  scope(a0+".serviceAccount", "ambient mode)"),
		},
		"Anywhere Ingress": {
			allow: `- {direction: Ingress, remoteGenerated: Anywhere, serviceAccount: web}`,
			want:  scope(a0 + ".serviceAccount"),
		},
		"KubeAPI Egress": {
			allow: `- {direction: Egress, remoteGenerated: KubeAPI, serviceAccount: web}`,
			want:  scope(a0 + ".serviceAccount"),
		},
		"remoteCidr Egress": {
			allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8, serviceAccount: web}`,
			want:  scope(a0 + ".serviceAccount"),
		},
		"invalid ServiceAccount name": {
			allow: `- {direction: Egress, remoteHost: api.github.com, serviceAccount: My_SA}`,
			want:  []want{errAt(diag.InvalidValue, a0+".serviceAccount", `"My_SA"`)},
		},
		"Anywhere Egress in ambient":                {mode: "ambient", allow: `- {direction: Egress, remoteGenerated: Anywhere, serviceAccount: web}`},
		"remoteHost in ambient":                     {mode: "ambient", allow: `- {direction: Egress, remoteHost: api.github.com, serviceAccount: web}`},
		"remoteHost with default mode (ambient)":    {allow: `- {direction: Egress, remoteHost: api.github.com, serviceAccount: web}`},
		"no serviceAccount in sidecar mode is fine": {mode: "sidecar", allow: `- {direction: Egress, remoteHost: api.github.com}`},
	})
}

func TestPortLimit(t *testing.T) {
	ports := func(n int) string {
		ps := make([]string, n)
		for i := range ps {
			ps[i] = fmt.Sprint(1000 + i)
		}
		return "[" + strings.Join(ps, ", ") + "]"
	}
	run(t, map[string]tc{
		"100 ports": {allow: `- {direction: Egress, remoteHost: api.github.com, ports: ` + ports(100) + `}`},
		"101 ports": {
			allow: `- {direction: Egress, remoteHost: api.github.com, ports: ` + ports(101) + `}`,
			want:  []want{errAt(diag.PortLimit, a0+".ports", "101 ports", "at most 100")},
		},
		"101 ports on a remoteCidr entry too": {
			allow: `- {direction: Egress, remoteCidr: 10.0.0.0/8, ports: ` + ports(101) + `}`,
			want:  []want{errAt(diag.PortLimit, a0+".ports")},
		},
	})
}

func TestRule9Ports(t *testing.T) {
	run(t, map[string]tc{
		"port 0": {
			allow: `- {direction: Egress, remoteHost: api.github.com, port: 0}`,
			want:  []want{errAt(diag.PortInvalid, a0+".port", "1 to 65535", "got 0")},
		},
		"port 65536": {
			allow: `- {direction: Egress, remoteHost: api.github.com, port: 65536}`,
			want:  []want{errAt(diag.PortInvalid, a0+".port", "got 65536")},
		},
		"port -1": {
			allow: `- {direction: Egress, remoteHost: api.github.com, port: -1}`,
			want:  []want{errAt(diag.PortInvalid, a0+".port", "got -1")},
		},
		"ports[1] out of range": {
			allow: `- {direction: Egress, remoteHost: api.github.com, ports: [443, 70000]}`,
			want:  []want{errAt(diag.PortInvalid, a0+".ports[1]", a0+".ports[1] must be", "got 70000")},
		},
		"every bad port is reported": {
			allow: `- {direction: Egress, remoteHost: api.github.com, port: 0, ports: [0, 443, 65536]}`,
			want: []want{
				errAt(diag.PortInvalid, a0+".port"),
				errAt(diag.PortInvalid, a0+".ports[0]"),
				errAt(diag.PortInvalid, a0+".ports[2]"),
			},
		},
		"non-host entry port 0": {
			allow: `- {direction: Ingress, remoteNamespace: gateway, port: 0}`,
			want:  []want{errAt(diag.PortInvalid, a0+".port")},
		},
		"bounds are fine": {allow: `- {direction: Egress, remoteHost: api.github.com, port: 1, ports: [1, 65535]}`},
	})
}

func TestRule10DuplicatePolicyName(t *testing.T) {
	run(t, map[string]tc{
		"two remoteHost entries, same selector, no description": {
			allow: `
- {direction: Egress, selector: {app: web}, remoteHost: api.github.com}
- {direction: Egress, selector: {app: web}, remoteHost: objects.githubusercontent.com}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1]",
				`"allow-web-egress-web-all-pods-tcp"`, "spec.network.allow[0]", "distinct description")},
		},
		"two remoteHost entries without selector": {
			allow: `
- {direction: Egress, remoteHost: api.github.com}
- {direction: Egress, remoteHost: httpbin.org, remoteProtocol: HTTP}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1]", `"allow-web-egress-all-pods-all-pods-tcp"`)},
		},
		"remoteHost and remoteCidr collide too": {
			allow: `
- {direction: Egress, remoteCidr: 10.0.0.0/8}
- {direction: Egress, remoteHost: api.github.com}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1]")},
		},
		"distinct descriptions fix it": {
			allow: `
- {direction: Egress, selector: {app: web}, remoteHost: api.github.com, description: github api}
- {direction: Egress, selector: {app: web}, remoteHost: objects.githubusercontent.com, description: github objects}`,
		},
		"one description is enough": {
			allow: `
- {direction: Egress, selector: {app: web}, remoteHost: api.github.com}
- {direction: Egress, selector: {app: web}, remoteHost: objects.githubusercontent.com, description: github objects}`,
		},
		"same description collides": {
			allow: `
- {direction: Egress, remoteHost: api.github.com, description: github}
- {direction: Egress, selector: {app: other}, remoteHost: objects.githubusercontent.com, description: github}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1].description", `"allow-web-egress-github"`)},
		},
		"descriptions equal after sanitizing collide": {
			allow: `
- {direction: Egress, remoteHost: api.github.com, description: GitHub API}
- {direction: Egress, remoteHost: uploads.github.com, description: github-api}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1].description", `"allow-web-egress-github-api"`)},
		},
		"same description, other direction is fine": {
			allow: `
- {direction: Egress, remoteNamespace: db, description: db}
- {direction: Ingress, remoteNamespace: db, description: db}`,
		},
		"podLabels migrated then colliding": {
			allow: `
- {direction: Egress, selector: {app: web}, remoteHost: api.github.com}
- {direction: Egress, podLabels: {app: web}, remoteHost: uploads.github.com}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1]", `"allow-web-egress-web-all-pods-tcp"`)},
		},
		"podLabels wins over selector": {
			allow: `
- {direction: Egress, selector: {app: web}, remoteHost: api.github.com}
- {direction: Egress, selector: {app: other}, podLabels: {app: web}, remoteHost: uploads.github.com}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1]")},
		},
		"selector {} and no selector differ": {
			allow: `
- {direction: Egress, remoteHost: api.github.com}
- {direction: Egress, selector: {}, remoteHost: uploads.github.com}`,
		},
		"TCP and UDP differ": {
			allow: `
- {direction: Egress, remoteNamespace: dns, port: 53}
- {direction: Egress, remoteNamespace: dns, port: 53, remoteProtocol: UDP}`,
		},
		"TLS, HTTP and TCP are all TCP": {
			allow: `
- {direction: Egress, remoteNamespace: db, remoteProtocol: TCP}
- {direction: Egress, remoteNamespace: db, port: 5432}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[1]", `"allow-web-egress-all-pods-db-all-pods-tcp"`)},
		},
		"a third entry is reported against the first": {
			allow: `
- {direction: Egress, remoteHost: a.example.com}
- {direction: Egress, remoteHost: b.example.com, description: b}
- {direction: Egress, remoteHost: c.example.com}`,
			want: []want{errAt(diag.PolicyNameTaken, "spec.network.allow[2]", "spec.network.allow[0]")},
		},
	})
}

// TestRule10DeprecatedFieldStillWarns pins that the collision above comes
// from the decoder's migration, which also leaves its own warning.
func TestRule10DeprecatedFieldStillWarns(t *testing.T) {
	var doc yaml.Node
	src := packageYAML("web", "shop", "", `- {direction: Egress, podLabels: {app: web}, remoteHost: api.github.com}`)
	require.NoError(t, yaml.Unmarshal([]byte(src), &doc))
	pkg, fs := schemas.DecodePackage(&doc, &diag.Ref{Name: "web", Namespace: "shop"})
	require.Len(t, fs, 1)
	assert.Equal(t, diag.DeprecatedField, fs[0].Code)
	assert.Equal(t, "spec.network.allow[0].podLabels", fs[0].Path)
	assert.Equal(t, schemas.Labels{{Key: "app", Value: "web"}}, pkg.Spec.Network.Allow[0].Selector)
}

func TestRule11ReservedNamespaces(t *testing.T) {
	cases := map[string]tc{
		"ordinary namespace": {ns: "shop", allow: `- {direction: Egress, remoteHost: api.github.com}`},
	}
	for _, ns := range []string{"kube-system", "kube-public", "_unknown_", "pepr-system"} {
		cases[ns] = tc{
			ns:    ns,
			allow: `- {direction: Egress, remoteHost: api.github.com}`,
			want:  []want{errAt(diag.NamespaceReserved, "metadata.namespace", fmt.Sprintf("%q", ns))},
		}
	}
	run(t, cases)
}

func TestPackageNameTooLongForSidecarLabel(t *testing.T) {
	long := strings.Repeat("p", 64)
	run(t, map[string]tc{
		"sidecar with a host": {
			name: long, mode: "sidecar",
			allow: `- {direction: Egress, remoteHost: api.github.com}`,
			want:  []want{errAt(diag.NameTooLong, "metadata.name", "64 characters")},
		},
		"ambient is fine":            {name: long, allow: `- {direction: Egress, remoteHost: api.github.com}`},
		"sidecar without a host":     {name: long, mode: "sidecar", allow: `- {direction: Egress, remoteNamespace: db}`},
		"63 characters are fine":     {name: strings.Repeat("p", 63), mode: "sidecar", allow: `- {direction: Egress, remoteHost: api.github.com}`},
		"sidecar short name is fine": {mode: "sidecar", allow: `- {direction: Egress, remoteHost: api.github.com}`},
	})
}

// TestAllRulesRun pins that one pass reports every problem of an entry,
// in rule order, and that problems of several entries are all reported.
func TestAllRulesRun(t *testing.T) {
	run(t, map[string]tc{
		"many problems": {
			mode: "sidecar",
			allow: `
- {direction: Egress, remoteHost: "*.example.com", remoteProtocol: TCP, serviceAccount: web, port: 0}
- {direction: Egress}`,
			want: []want{
				errAt(diag.HostProtocol, a0+".remoteProtocol"),
				errAt(diag.HostWildcard, a0+".remoteHost"),
				errAt(diag.ServiceAccount, a0+".serviceAccount"),
				errAt(diag.PortInvalid, a0+".port"),
				errAt(diag.MissingRemote, "spec.network.allow[1]"),
				// Neither entry has a selector or description: same name.
				errAt(diag.PolicyNameTaken, "spec.network.allow[1]", `"allow-web-egress-all-pods-all-pods-tcp"`),
			},
		},
	})
}

func TestPackageWithoutNetwork(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata: {name: web, namespace: shop}\nspec: {}\n"), &doc))
	ref := &diag.Ref{Name: "web", Namespace: "shop"}
	pkg, fs := schemas.DecodePackage(&doc, ref)
	require.Empty(t, fs)
	assert.Empty(t, validate.Package(schemas.Subject{Package: &pkg, Ref: ref}))
}

func TestFleet(t *testing.T) {
	type p struct{ name, ns string }
	subjects := func(t *testing.T, ps ...p) []schemas.Subject {
		out := make([]schemas.Subject, len(ps))
		for i, x := range ps {
			out[i] = decode(t, x.name, x.ns, "", `- {direction: Egress, remoteHost: api.github.com}`)
		}
		return out
	}
	type fw struct {
		index int
		code  diag.Code
		path  string
		msg   []string
	}
	cases := map[string]struct {
		in   []p
		want []fw
	}{
		"one Package per namespace": {
			in:   []p{{"web", "shop"}, {"api", "shop"}},
			want: []fw{{1, diag.NamespaceTaken, "metadata.namespace", []string{`namespace "shop" already has Package "web"`}}},
		},
		"one Package per namespace, other order": {
			in:   []p{{"api", "shop"}, {"web", "shop"}},
			want: []fw{{1, diag.NamespaceTaken, "metadata.namespace", []string{`already has Package "api"`}}},
		},
		"duplicate Package": {
			in:   []p{{"web", "shop"}, {"web", "shop"}},
			want: []fw{{1, diag.DuplicatePackage, "metadata.name", []string{"shop/web appears twice"}}},
		},
		"later ones all lose against the first": {
			in: []p{{"web", "shop"}, {"other", "blog"}, {"api", "shop"}, {"web", "shop"}},
			want: []fw{
				{2, diag.NamespaceTaken, "metadata.namespace", []string{`"web"`}},
				{3, diag.DuplicatePackage, "metadata.name", nil},
			},
		},
		"distinct namespaces are fine": {
			in: []p{{"web", "shop"}, {"web", "blog"}, {"api", "api"}},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			ss := subjects(t, c.in...)
			refs := make([]*diag.Ref, len(ss))
			for i, s := range ss {
				refs[i] = s.Ref
			}
			got := validate.Fleet(refs)
			total := 0
			for _, fs := range got {
				total += len(fs)
			}
			assert.Equal(t, len(c.want), total, "findings: %v", got)
			for _, w := range c.want {
				fs := got[w.index]
				if !assert.Len(t, fs, 1, "Package %d", w.index) {
					continue
				}
				f := fs[0]
				assert.Equal(t, diag.Error, f.Severity)
				assert.Equal(t, w.code, f.Code)
				assert.Equal(t, w.path, f.Path)
				assert.Same(t, ss[w.index].Ref, f.Subject)
				assert.Equal(t, c.in[w.index].name, f.Subject.Name)
				assert.Equal(t, c.in[w.index].ns, f.Subject.Namespace)
				for _, m := range w.msg {
					assert.Contains(t, f.Message, m)
				}
			}
		})
	}
}

func TestPolicyName(t *testing.T) {
	entry := func(t *testing.T, allow string) *schemas.Allow {
		s := decode(t, "pkg", "ns", "", allow)
		return &s.Package.Spec.Network.Allow[0]
	}
	cases := map[string]struct{ allow, want string }{
		// The example of udscore.md §1.
		"notes example": {
			`- {direction: Egress, selector: {app: a}, remoteNamespace: ns, remoteSelector: {x: b}}`,
			"allow-pkg-egress-a-ns-b-tcp",
		},
		// [a, ns, [b, c], TCP] joins the nested array with a comma.
		"remoteSelector values join with a comma": {
			`- {direction: Egress, selector: {app: a}, remoteNamespace: ns, remoteSelector: {x: b, y: c}}`,
			"allow-pkg-egress-a-ns-b-c-tcp",
		},
		"several selector values in written order": {
			`- {direction: Ingress, selector: {tier: fe, app: web}, remoteNamespace: gw}`,
			"allow-pkg-ingress-fe-web-gw-all-pods-tcp",
		},
		"UDP token": {
			`- {direction: Egress, selector: {app: a}, remoteNamespace: ns, remoteProtocol: UDP}`,
			"allow-pkg-egress-a-ns-all-pods-udp",
		},
		"description wins and adds no protocol": {
			`- {direction: Egress, selector: {app: a}, remoteNamespace: ns, remoteProtocol: UDP, description: "DNS to CoreDNS"}`,
			"allow-pkg-egress-dns-to-coredns",
		},
		"absent selector is all pods": {
			`- {direction: Egress, remoteHost: api.github.com}`,
			"allow-pkg-egress-all-pods-all-pods-tcp",
		},
		"selector {} adds nothing": {
			`- {direction: Egress, selector: {}, remoteHost: api.github.com}`,
			"allow-pkg-egress-all-pods-tcp",
		},
		"empty selector value is dropped": {
			`- {direction: Egress, selector: {app: ""}, remoteNamespace: ns}`,
			"allow-pkg-egress-ns-all-pods-tcp",
		},
		"remoteGenerated replaces namespace and selector": {
			`- {direction: Egress, selector: {app: a}, remoteGenerated: KubeAPI}`,
			"allow-pkg-egress-a-kubeapi-tcp",
		},
		"empty remoteNamespace is dropped": {
			`- {direction: Ingress, selector: {app: a}, remoteNamespace: ""}`,
			"allow-pkg-ingress-a-all-pods-tcp",
		},
		"empty remoteSelector gives an empty token": {
			`- {direction: Egress, selector: {app: a}, remoteNamespace: ns, remoteSelector: {}}`,
			"allow-pkg-egress-a-ns-tcp",
		},
		"HTTP is TCP": {
			`- {direction: Egress, selector: {app: a}, remoteHost: httpbin.org, remoteProtocol: HTTP, port: 8080}`,
			"allow-pkg-egress-a-all-pods-tcp",
		},
		"remoteCidr is not part of the name": {
			`- {direction: Egress, selector: {app: a}, remoteCidr: 10.0.0.0/8}`,
			"allow-pkg-egress-a-all-pods-tcp",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, c.want, validate.PolicyName("pkg", entry(t, c.allow)))
		})
	}
}

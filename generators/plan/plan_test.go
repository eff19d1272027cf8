package plan_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/validate"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// pkg decodes a Package (allow is a YAML list body, one entry per line)
// and checks it passes validation, so every fleet below is one the
// function would actually plan.
func pkg(t *testing.T, name, ns, mode, allow string) schemas.Subject {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: uds.dev/v1alpha1\nkind: Package\nmetadata:\n  name: %s\n  namespace: %s\n  generation: 3\n  uid: uid-%s\nspec:\n  network:\n", name, ns, name)
	if mode != "" {
		fmt.Fprintf(&b, "    serviceMesh:\n      mode: %s\n", mode)
	}
	b.WriteString("    allow:\n")
	for _, line := range strings.Split(strings.TrimSpace(allow), "\n") {
		b.WriteString("      " + strings.TrimSpace(line) + "\n")
	}
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(b.String()), &doc), b.String())
	ref := &diag.Ref{APIVersion: schemas.PackageAPIVersion, Kind: schemas.PackageKind, Name: name, Namespace: ns}
	p, fs := schemas.DecodePackage(&doc, ref)
	fs = append(fs, validate.Package(schemas.Subject{Package: &p, Ref: ref})...)
	for _, f := range fs {
		require.NotEqual(t, diag.Error, f.Severity, "%s/%s %s: %s", ns, name, f.Path, f.Message)
	}
	return schemas.Subject{Package: &p, Ref: ref}
}

func build(pkgs ...schemas.Subject) (plan.Plan, []diag.Finding) {
	return plan.Build(plan.Input{Packages: pkgs, Settings: schemas.DefaultSettings()})
}

func hash8(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:8]
}

// rules renders AuthorizationPolicy rules compactly; nil and empty lists
// print the same.
func rules(rs []plan.PortRule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		principals, namespaces := r.Identities()
		out[i] = fmt.Sprintf("%d p=%v ns=%v", r.Port, principals, namespaces)
	}
	return out
}

func ports(pps []plan.PortProtocol) []string {
	out := make([]string, len(pps))
	for i, pp := range pps {
		out[i] = fmt.Sprintf("%s-%d", pp.Protocol, pp.Port)
	}
	return out
}

func users(u plan.Users) []string {
	var out []string
	for _, id := range u.List() {
		out = append(out, id.String())
	}
	return out
}

func ambientHost(t *testing.T, p plan.Plan, host string) *plan.AmbientHost {
	t.Helper()
	for _, h := range p.Ambient.Hosts {
		if h.Host == host {
			return h
		}
	}
	t.Fatalf("no ambient host %s", host)
	return nil
}

func ambientHosts(p plan.Plan) []string {
	var out []string
	for _, h := range p.Ambient.Hosts {
		out = append(out, h.Host)
	}
	return out
}

func sidecarHosts(p plan.Plan) []string {
	var out []string
	for _, h := range p.Sidecar.Hosts {
		out = append(out, h.Host)
	}
	return out
}

func withCode(fs []diag.Finding, code diag.Code) []diag.Finding {
	var out []diag.Finding
	for _, f := range fs {
		if f.Code == code {
			out = append(out, f)
		}
	}
	return out
}

func about(fs []diag.Finding, ref *diag.Ref) []diag.Finding {
	var out []diag.Finding
	for _, f := range fs {
		if f.Subject == ref {
			out = append(out, f)
		}
	}
	return out
}

func errorsOf(fs []diag.Finding) []diag.Finding {
	var out []diag.Finding
	for _, f := range fs {
		if f.Severity == diag.Error {
			out = append(out, f)
		}
	}
	return out
}

// assertFinding checks one finding completely.
func assertFinding(t *testing.T, f diag.Finding, sev diag.Severity, code diag.Code, ref *diag.Ref, path string, msg ...string) {
	t.Helper()
	assert.Equal(t, sev, f.Severity, "severity of %s", f.Message)
	assert.Equal(t, code, f.Code)
	assert.Same(t, ref, f.Subject, "subject of %s", f.Message)
	assert.Equal(t, path, f.Path, "path of %s", f.Message)
	for _, m := range msg {
		assert.Contains(t, f.Message, m)
	}
}

func TestAmbientSharedHost(t *testing.T) {
	alpha := pkg(t, "alpha", "zz", "", `
- {direction: Egress, remoteHost: api.example.com, ports: [8443, 443], serviceAccount: web}
- {direction: Egress, remoteHost: other.example.com, remoteProtocol: HTTP, description: other}`)
	beta := pkg(t, "beta", "aa", "", `
- {direction: Egress, remoteHost: api.example.com, port: 443, serviceAccount: web, description: first}
- {direction: Egress, remoteHost: api.example.com, port: 443, serviceAccount: web, description: second}`)
	gamma := pkg(t, "gamma", "mm", "ambient", `- {direction: Egress, remoteHost: api.example.com, ports: [9000, 443, 9000]}`)
	delta := pkg(t, "delta", "bb", "", `
- {direction: Egress, remoteHost: api.example.com}
- {direction: Egress, remoteHost: API.Example.com, description: upper}`)

	p, fs := build(alpha, beta, gamma, delta)
	assert.Empty(t, errorsOf(fs))
	assert.Equal(t, []string{"api.example.com", "other.example.com"}, ambientHosts(p))

	api := ambientHost(t, p, "api.example.com")
	assert.Equal(t, []string{"TLS-8443", "TLS-443", "TLS-9000"}, ports(api.Ports), "ports in first-seen order")
	assert.Equal(t, []string{
		"443 p=[cluster.local/ns/aa/sa/web cluster.local/ns/zz/sa/web] ns=[bb mm]",
		"8443 p=[cluster.local/ns/zz/sa/web] ns=[]",
		"9000 p=[] ns=[mm]",
	}, rules(api.Rules), "one rule per port, ascending; principals and namespaces sorted and de-duplicated")
	assert.Equal(t, []string{"zz/alpha", "aa/beta", "mm/gamma", "bb/delta"}, users(api.Users))
	assert.Equal(t, "ambient-se-api-example-com", api.ServiceEntryName)
	assert.Equal(t, "ambient-ap-api-example-com", api.PolicyName)

	other := ambientHost(t, p, "other.example.com")
	assert.Equal(t, []string{"HTTP-80"}, ports(other.Ports))
	assert.Equal(t, []string{"80 p=[] ns=[zz]"}, rules(other.Rules))
	assert.Equal(t, []string{"zz/alpha"}, users(other.Users))

	assert.Equal(t, []string{"zz/alpha", "aa/beta", "mm/gamma", "bb/delta"}, users(p.Ambient.Users))
	assert.Empty(t, p.Sidecar.Hosts)
	assert.Empty(t, p.Sidecar.Packages)
}

func TestAmbientIdentity(t *testing.T) {
	web := pkg(t, "web", "shop", "", `
- {direction: Egress, remoteHost: a.example.com, serviceAccount: checkout}
- {direction: Egress, remoteHost: b.example.com, description: b}`)
	p, fs := build(web)
	assert.Equal(t, []string{"443 p=[cluster.local/ns/shop/sa/checkout] ns=[]"}, rules(ambientHost(t, p, "a.example.com").Rules))
	assert.Equal(t, []string{"443 p=[] ns=[shop]"}, rules(ambientHost(t, p, "b.example.com").Rules))

	require.Len(t, fs, 1, "only the entry without serviceAccount is widened")
	assertFinding(t, fs[0], diag.Info, diag.NamespaceIdentity, web.Ref, "spec.network.allow[1]",
		`namespace "shop"`, "serviceAccount")

	t.Run("trust domain from settings", func(t *testing.T) {
		s := schemas.DefaultSettings()
		s.TrustDomain = "example.org"
		p, _ := plan.Build(plan.Input{Packages: []schemas.Subject{web}, Settings: s})
		assert.Equal(t, []string{"443 p=[example.org/ns/shop/sa/checkout] ns=[]"}, rules(ambientHost(t, p, "a.example.com").Rules))
	})
}

func TestAmbientAnywhereParticipants(t *testing.T) {
	anyAll := pkg(t, "any-all", "n-all", "", `- {direction: Egress, remoteGenerated: Anywhere}`)
	any443 := pkg(t, "any-443", "n-443", "", `- {direction: Egress, remoteGenerated: Anywhere, port: 443}`)
	anyPorts := pkg(t, "any-ports", "n-ports", "", `- {direction: Egress, remoteGenerated: Anywhere, ports: [8443, 5432]}`)
	anySA := pkg(t, "any-sa", "n-sa", "", `- {direction: Egress, remoteGenerated: Anywhere, serviceAccount: robot}`)
	anyUDP := pkg(t, "any-udp", "n-udp", "", `- {direction: Egress, remoteGenerated: Anywhere, remoteProtocol: UDP}`)
	anyIn := pkg(t, "any-in", "n-in", "", `- {direction: Ingress, remoteGenerated: Anywhere}`)
	owner := pkg(t, "owner", "own", "", `
- {direction: Egress, remoteHost: a.example.com, ports: [443, 8443], serviceAccount: app}
- {direction: Egress, remoteHost: b.example.com, remoteProtocol: HTTP, serviceAccount: app, description: b}`)

	// Participants come first in input order: they still reach hosts
	// declared later.
	p, fs := build(anyAll, any443, anyPorts, anySA, anyUDP, anyIn, owner)
	assert.Empty(t, errorsOf(fs))
	assert.Equal(t, []string{"a.example.com", "b.example.com"}, ambientHosts(p), "participants create no hosts")
	assert.Equal(t, []string{
		"443 p=[cluster.local/ns/n-sa/sa/robot cluster.local/ns/own/sa/app] ns=[n-443 n-all]",
		"8443 p=[cluster.local/ns/n-sa/sa/robot cluster.local/ns/own/sa/app] ns=[n-all n-ports]",
	}, rules(ambientHost(t, p, "a.example.com").Rules))
	assert.Equal(t, []string{
		"80 p=[cluster.local/ns/n-sa/sa/robot cluster.local/ns/own/sa/app] ns=[n-all]",
	}, rules(ambientHost(t, p, "b.example.com").Rules), "a participant with ports only joins those ports")
	assert.Equal(t, []string{"own/owner"}, users(p.Ambient.Users), "participants are not users")
	assert.Equal(t, []string{"own/owner"}, users(ambientHost(t, p, "a.example.com").Users))

	// The namespace-wide widening is reported for participants too, and
	// only for those that take part.
	var widened []string
	for _, f := range withCode(fs, diag.NamespaceIdentity) {
		assert.Equal(t, "spec.network.allow[0]", f.Path)
		widened = append(widened, f.Subject.Name)
	}
	assert.Equal(t, []string{"any-all", "any-443", "any-ports"}, widened)
}

func TestAmbientParticipantOnlyPackage(t *testing.T) {
	p, fs := build(
		pkg(t, "any-all", "n-all", "", `- {direction: Egress, remoteGenerated: Anywhere}`),
		pkg(t, "any-sa", "n-sa", "", `- {direction: Egress, remoteGenerated: Anywhere, serviceAccount: robot, port: 443}`),
	)
	assert.Empty(t, errorsOf(fs))
	assert.Empty(t, p.Ambient.Hosts)
	assert.Empty(t, p.Ambient.Users.List())
	assert.Empty(t, withCode(fs, diag.AnnotationHashed))
}

func TestAmbientConflictAcrossPackages(t *testing.T) {
	pa := func(t *testing.T) schemas.Subject {
		return pkg(t, "pa", "a", "", `
- {direction: Egress, remoteHost: x.example.com}
- {direction: Egress, remoteHost: y.example.com, description: y}`)
	}
	pb := func(t *testing.T) schemas.Subject {
		return pkg(t, "pb", "b", "", `
- {direction: Egress, remoteHost: z.example.com}
- {direction: Egress, remoteHost: x.example.com, remoteProtocol: HTTP, port: 443, description: x}
- {direction: Egress, remoteGenerated: Anywhere, serviceAccount: bot}`)
	}

	t.Run("TLS first", func(t *testing.T) {
		a, b := pa(t), pb(t)
		p, fs := build(a, b)
		errs := errorsOf(fs)
		require.Len(t, errs, 1)
		assertFinding(t, errs[0], diag.Error, diag.HostPortConflict, b.Ref, "spec.network.allow[1].remoteProtocol",
			"x.example.com:443", "asked for with HTTP here", "Package a/pa already uses it with TLS")
		assert.Len(t, about(fs, b.Ref), 1, "the rejected Package makes no other finding")

		assert.Equal(t, []string{"x.example.com", "y.example.com"}, ambientHosts(p), "z.example.com of the rejected Package is not planned")
		x := ambientHost(t, p, "x.example.com")
		assert.Equal(t, []string{"TLS-443"}, ports(x.Ports))
		assert.Equal(t, []string{"443 p=[] ns=[a]"}, rules(x.Rules), "the rejected Package's participant is not added")
		assert.Equal(t, []string{"a/pa"}, users(p.Ambient.Users))
	})

	t.Run("HTTP first", func(t *testing.T) {
		a, b := pa(t), pb(t)
		p, fs := build(b, a)
		errs := errorsOf(fs)
		require.Len(t, errs, 1)
		assertFinding(t, errs[0], diag.Error, diag.HostPortConflict, a.Ref, "spec.network.allow[0].remoteProtocol",
			"x.example.com:443", "asked for with TLS (the default) here", "Package b/pb already uses it with HTTP")
		assert.Len(t, about(fs, a.Ref), 1, "the rejected Package makes no other finding")

		assert.Equal(t, []string{"z.example.com", "x.example.com"}, ambientHosts(p), "y.example.com of the rejected Package is not planned")
		x := ambientHost(t, p, "x.example.com")
		assert.Equal(t, []string{"HTTP-443"}, ports(x.Ports))
		assert.Equal(t, []string{"443 p=[cluster.local/ns/b/sa/bot] ns=[b]"}, rules(x.Rules))
		assert.Equal(t, []string{"b/pb"}, users(p.Ambient.Users))
	})

	t.Run("upper-case host is the same host", func(t *testing.T) {
		a := pkg(t, "pa", "a", "", `- {direction: Egress, remoteHost: X.Example.com}`)
		b := pkg(t, "pb", "b", "", `- {direction: Egress, remoteHost: x.example.COM, remoteProtocol: HTTP, port: 443}`)
		_, fs := build(a, b)
		errs := errorsOf(fs)
		require.Len(t, errs, 1)
		assertFinding(t, errs[0], diag.Error, diag.HostPortConflict, b.Ref, "spec.network.allow[0].remoteProtocol", "x.example.com:443")
	})
}

func TestConflictInsidePackage(t *testing.T) {
	for _, mode := range []string{"ambient", "sidecar"} {
		t.Run(mode, func(t *testing.T) {
			solo := pkg(t, "solo", "s", mode, `
- {direction: Egress, remoteHost: b.example.com}
- {direction: Egress, remoteHost: a.example.com, ports: [8443, 443], description: one}
- {direction: Egress, remoteHost: a.example.com, remoteProtocol: HTTP, port: 443, description: two}`)
			p, fs := build(solo)
			require.Len(t, fs, 1)
			assertFinding(t, fs[0], diag.Error, diag.HostPortConflict, solo.Ref, "spec.network.allow[2].remoteProtocol",
				"a.example.com:443", "asked for with HTTP here", "with TLS in spec.network.allow[1]", "same Package")
			assert.Empty(t, p.Ambient.Hosts)
			assert.Empty(t, p.Sidecar.Hosts)
			assert.Empty(t, p.Sidecar.Packages)
		})
	}
}

func TestSameHostPortProtocolMerges(t *testing.T) {
	a := pkg(t, "pa", "a", "", `- {direction: Egress, remoteHost: a.example.com}`)
	b := pkg(t, "pb", "b", "", `- {direction: Egress, remoteHost: a.example.com, ports: [443, 8443]}`)
	c := pkg(t, "pc", "c", "sidecar", `- {direction: Egress, remoteHost: a.example.com, remoteProtocol: HTTP, port: 80}`)
	d := pkg(t, "pd", "d", "sidecar", `- {direction: Egress, remoteHost: a.example.com, remoteProtocol: HTTP, ports: [80, 8080]}`)
	p, fs := build(a, b, c, d)
	assert.Empty(t, errorsOf(fs))
	h := ambientHost(t, p, "a.example.com")
	assert.Equal(t, []string{"TLS-443", "TLS-8443"}, ports(h.Ports))
	assert.Equal(t, []string{"443 p=[] ns=[a b]", "8443 p=[] ns=[b]"}, rules(h.Rules))

	require.Len(t, p.Sidecar.Hosts, 1)
	assert.Equal(t, []string{"HTTP-80", "HTTP-8080"}, ports(p.Sidecar.Hosts[0].Ports))
	assert.Equal(t, []string{"c/pc", "d/pd"}, users(p.Sidecar.Hosts[0].Users))
}

// The namespaces of each port of a shared sidecar host: different sets
// make the render say on each mesh route who may use it.
func TestSidecarHostNamespacesPerPort(t *testing.T) {
	a := pkg(t, "pa", "team-a", "sidecar", `- {direction: Egress, remoteHost: a.example.com, port: 443}`)
	b := pkg(t, "pb", "team-b", "sidecar", `- {direction: Egress, remoteHost: a.example.com, remoteProtocol: HTTP, port: 80}`)
	c := pkg(t, "pc", "team-c", "sidecar", `
- {direction: Egress, remoteHost: a.example.com, remoteProtocol: HTTP, port: 80, description: http}
- {direction: Egress, remoteHost: a.example.com, port: 443, description: tls}
- {direction: Egress, remoteHost: b.example.com, port: 443, description: b}`)
	d := pkg(t, "pd", "team-d", "sidecar", `- {direction: Egress, remoteHost: b.example.com, port: 443}`)
	p, fs := build(a, b, c, d)
	assert.Empty(t, errorsOf(fs))
	require.Len(t, p.Sidecar.Hosts, 2)
	h := p.Sidecar.Hosts[0]
	assert.Equal(t, []string{"TLS-443", "HTTP-80"}, ports(h.Ports))
	assert.Equal(t, [][]string{{"team-a", "team-c"}, {"team-b", "team-c"}}, h.Namespaces)
	assert.True(t, h.PerPortNamespaces())
	assert.Equal(t, [][]string{{"team-c", "team-d"}}, p.Sidecar.Hosts[1].Namespaces)
	assert.False(t, p.Sidecar.Hosts[1].PerPortNamespaces(), "one port: one set")
}

// sidecarScope workload: a Sidecar whose selector asked a host on fewer
// ports than the Package's ServiceEntry holds gets port-bound listeners for
// every host it imports; one that asked every port keeps the catch-all.
func TestWorkloadSidecarListeners(t *testing.T) {
	s := schemas.DefaultSettings()
	s.SidecarScope = schemas.SidecarScopeWorkload
	ci := pkg(t, "ci", "ci", "sidecar", `
- {direction: Egress, selector: {app: agent}, remoteHost: api.example.com, port: 443, description: a}
- {direction: Egress, selector: {app: controller}, remoteHost: api.example.com, remoteProtocol: HTTP, port: 80, description: c}
- {direction: Egress, selector: {app: agent}, remoteHost: registry.example.com, port: 443, description: r}
- {direction: Egress, selector: {app: both}, remoteHost: api.example.com, remoteProtocol: HTTP, ports: [80], description: both-http}
- {direction: Egress, selector: {app: both}, remoteHost: api.example.com, port: 443, description: both-tls}`)
	p, fs := plan.Build(plan.Input{Packages: []schemas.Subject{ci}, Settings: s})
	assert.Empty(t, errorsOf(fs))
	scs := p.Sidecar.Packages[0].Sidecars
	require.Len(t, scs, 3)
	assert.Equal(t, []plan.SidecarListener{
		{Port: plan.PortProtocol{Port: 443, Protocol: "TLS"}, Hosts: []string{"api.example.com", "registry.example.com"}},
	}, scs[0].Listeners, "agent")
	assert.Equal(t, []plan.SidecarListener{
		{Port: plan.PortProtocol{Port: 80, Protocol: "HTTP"}, Hosts: []string{"api.example.com"}},
	}, scs[1].Listeners, "controller")
	assert.Nil(t, scs[2].Listeners, "both asked every port of the ServiceEntry")

	// Namespace scope never binds ports (the Sidecars import everything).
	p, _ = build(ci)
	for _, sc := range p.Sidecar.Packages[0].Sidecars {
		assert.Nil(t, sc.Listeners)
	}

	// One port with HTTP for one host and TLS for another: no listeners,
	// and a warning.
	mixed := pkg(t, "mx", "mx", "sidecar", `
- {direction: Egress, selector: {app: web}, remoteHost: a.example.com, remoteProtocol: HTTP, port: 80, description: a}
- {direction: Egress, selector: {app: web}, remoteHost: b.example.com, port: 80, description: b}
- {direction: Egress, selector: {app: api}, remoteHost: a.example.com, port: 443, description: c}`)
	p, fs = plan.Build(plan.Input{Packages: []schemas.Subject{mixed}, Settings: s})
	assert.Nil(t, p.Sidecar.Packages[0].Sidecars[0].Listeners)
	var codes []diag.Code
	for _, f := range fs {
		codes = append(codes, f.Code)
	}
	assert.Contains(t, codes, diag.SidecarPortMixed)
}

func TestModesAreCheckedSeparately(t *testing.T) {
	amb := pkg(t, "amb", "a", "ambient", `- {direction: Egress, remoteHost: a.example.com, port: 443}`)
	side := pkg(t, "side", "s", "sidecar", `- {direction: Egress, remoteHost: a.example.com, remoteProtocol: HTTP, port: 443}`)
	side2 := pkg(t, "side2", "s2", "sidecar", `- {direction: Egress, remoteHost: a.example.com, port: 443}`)

	p, fs := build(amb, side)
	assert.Empty(t, errorsOf(fs), "the same host:port with other protocols in the two modes is no conflict")
	assert.Equal(t, []string{"TLS-443"}, ports(ambientHost(t, p, "a.example.com").Ports))
	require.Len(t, p.Sidecar.Hosts, 1)
	assert.Equal(t, []string{"HTTP-443"}, ports(p.Sidecar.Hosts[0].Ports))

	// Within sidecar mode it is a conflict again; the ambient Package in
	// between does not count.
	p, fs = build(side, amb, side2)
	errs := errorsOf(fs)
	require.Len(t, errs, 1)
	assertFinding(t, errs[0], diag.Error, diag.HostPortConflict, side2.Ref, "spec.network.allow[0].remoteProtocol",
		"a.example.com:443", "asked for with TLS (the default) here", "Package s/side already uses it with HTTP")
	require.Len(t, p.Sidecar.Packages, 1)
	assert.Equal(t, "side", p.Sidecar.Packages[0].ID.Name)
	assert.Equal(t, []string{"s/side"}, users(p.Sidecar.Hosts[0].Users))
}

func TestAmbientNameCollisions(t *testing.T) {
	dotted := func(t *testing.T) schemas.Subject {
		return pkg(t, "pa", "a", "", `- {direction: Egress, remoteHost: a.b.com}`)
	}
	dashed := func(t *testing.T) schemas.Subject {
		return pkg(t, "pb", "b", "", `- {direction: Egress, remoteHost: a-b.com}`)
	}

	t.Run("a.b.com first", func(t *testing.T) {
		a, b := dotted(t), dashed(t)
		p, fs := build(a, b)
		first, second := ambientHost(t, p, "a.b.com"), ambientHost(t, p, "a-b.com")
		assert.Equal(t, "ambient-se-a-b-com", first.ServiceEntryName)
		assert.Equal(t, "ambient-ap-a-b-com", first.PolicyName)
		assert.Equal(t, "ambient-se-a-b-com-"+hash8("a-b.com"), second.ServiceEntryName)
		assert.Equal(t, "ambient-ap-a-b-com-"+hash8("a-b.com"), second.PolicyName)

		hashed := withCode(fs, diag.NameHashed)
		require.Len(t, hashed, 2, "one for the ServiceEntry, one for the AuthorizationPolicy")
		assertFinding(t, hashed[0], diag.Warning, diag.NameHashed, b.Ref, "spec.network.allow[0].remoteHost", `"a-b.com"`, second.ServiceEntryName)
		assertFinding(t, hashed[1], diag.Warning, diag.NameHashed, b.Ref, "spec.network.allow[0].remoteHost", `"a-b.com"`, second.PolicyName)
	})

	t.Run("a-b.com first", func(t *testing.T) {
		a, b := dotted(t), dashed(t)
		p, fs := build(b, a)
		assert.Equal(t, "ambient-se-a-b-com", ambientHost(t, p, "a-b.com").ServiceEntryName)
		assert.Equal(t, "ambient-se-a-b-com-"+hash8("a.b.com"), ambientHost(t, p, "a.b.com").ServiceEntryName)
		hashed := withCode(fs, diag.NameHashed)
		require.Len(t, hashed, 2)
		assert.Same(t, a.Ref, hashed[0].Subject)
	})

	t.Run("trailing digits are stripped", func(t *testing.T) {
		p, fs := build(
			pkg(t, "pa", "a", "", `- {direction: Egress, remoteHost: foo.com1}`),
			pkg(t, "pb", "b", "", `- {direction: Egress, remoteHost: foo.com2}`),
		)
		assert.Equal(t, "ambient-se-foo-com", ambientHost(t, p, "foo.com1").ServiceEntryName)
		assert.Equal(t, "ambient-se-foo-com-"+hash8("foo.com2"), ambientHost(t, p, "foo.com2").ServiceEntryName)
		assert.Equal(t, "ambient-ap-foo-com-"+hash8("foo.com2"), ambientHost(t, p, "foo.com2").PolicyName)
		assert.Len(t, withCode(fs, diag.NameHashed), 2)
	})

	t.Run("distinct hosts keep plain names", func(t *testing.T) {
		_, fs := build(
			pkg(t, "pa", "a", "", `- {direction: Egress, remoteHost: a.example.com}`),
			pkg(t, "pb", "b", "", `- {direction: Egress, remoteHost: b.example.com}`),
		)
		assert.Empty(t, withCode(fs, diag.NameHashed))
	})
}

func TestSidecarNameCollisions(t *testing.T) {
	a := pkg(t, "pa", "a", "sidecar", `- {direction: Egress, remoteHost: foo.com1}`)
	b := pkg(t, "pb", "b", "sidecar", `- {direction: Egress, remoteHost: foo.com2}`)
	p, fs := build(a, b)
	require.Equal(t, []string{"foo.com1", "foo.com2"}, sidecarHosts(p))
	h1, h2 := p.Sidecar.Hosts[0], p.Sidecar.Hosts[1]
	assert.Equal(t, []string{"gateway-foo-com", "egress-vs-foo-com", "service-entry-foo-com"},
		[]string{h1.GatewayName, h1.VirtualServiceName, h1.ServiceEntryName})
	suffix := "-" + hash8("foo.com2")
	assert.Equal(t, []string{"gateway-foo-com" + suffix, "egress-vs-foo-com" + suffix, "service-entry-foo-com" + suffix},
		[]string{h2.GatewayName, h2.VirtualServiceName, h2.ServiceEntryName})
	hashed := withCode(fs, diag.NameHashed)
	require.Len(t, hashed, 3)
	for _, f := range hashed {
		assertFinding(t, f, diag.Warning, diag.NameHashed, b.Ref, "spec.network.allow[0].remoteHost", `"foo.com2"`)
	}
	// Package-local ServiceEntries carry the ports, so they do not collide.
	assert.Equal(t, "pa-egress-foo-com1-443-tls", p.Sidecar.Packages[0].ServiceEntries[0].Name)
	assert.Equal(t, "pb-egress-foo-com2-443-tls", p.Sidecar.Packages[1].ServiceEntries[0].Name)

	t.Run("local ServiceEntries of one Package", func(t *testing.T) {
		c := pkg(t, "pc", "c", "sidecar", `
- {direction: Egress, remoteHost: a.b.com}
- {direction: Egress, remoteHost: a-b.com, description: dashed}`)
		p, fs := build(c)
		ses := p.Sidecar.Packages[0].ServiceEntries
		require.Len(t, ses, 2)
		assert.Equal(t, "pc-egress-a-b-com-443-tls", ses[0].Name)
		assert.Equal(t, "pc-egress-a-b-com-443-tls-"+hash8("a-b.com"), ses[1].Name)
		hashed := withCode(fs, diag.NameHashed)
		require.Len(t, hashed, 4, "the local ServiceEntry and the three shared objects")
		for _, f := range hashed {
			assertFinding(t, f, diag.Warning, diag.NameHashed, c.Ref, "spec.network.allow[1].remoteHost", `"a-b.com"`)
		}
	})
}

func TestSidecarPerSelector(t *testing.T) {
	shop := pkg(t, "shop", "store", "sidecar", `
- {direction: Egress, selector: {app: web, tier: fe}, remoteHost: a.example.com, description: a}
- {direction: Egress, selector: {tier: fe, app: web}, remoteHost: b.example.com, description: b}
- {direction: Egress, selector: {app: api}, remoteHost: c.example.com, description: c}
- {direction: Egress, remoteHost: d.example.com, description: d}
- {direction: Egress, selector: {}, remoteHost: e.example.com, description: e}
- {direction: Egress, selector: {app: api}, remoteHost: f.example.com, description: f}`)
	p, fs := build(shop)
	assert.Empty(t, errorsOf(fs))
	assert.Empty(t, withCode(fs, diag.NameHashed))
	require.Len(t, p.Sidecar.Packages, 1)
	sp := p.Sidecar.Packages[0]
	assert.Equal(t, schemas.PackageID{Name: "shop", Namespace: "store"}, sp.ID)
	assert.Equal(t, int64(3), sp.Generation)
	assert.Equal(t, "uid-shop", sp.UID)
	require.Len(t, sp.Sidecars, 3)
	assert.Equal(t, plan.WorkloadSidecar{Name: "shop-egress-app-web-tier-fe", Selector: schemas.Labels{{Key: "app", Value: "web"}, {Key: "tier", Value: "fe"}}}, sp.Sidecars[0])
	assert.Equal(t, plan.WorkloadSidecar{Name: "shop-egress-app-api", Selector: schemas.Labels{{Key: "app", Value: "api"}}}, sp.Sidecars[1])
	assert.Equal(t, "shop-egress-default", sp.Sidecars[2].Name)
	assert.Nil(t, sp.Sidecars[2].Selector, "no selector and selector {} mean all pods")

	t.Run("selector {} alone", func(t *testing.T) {
		p, _ := build(pkg(t, "shop", "store", "sidecar", `- {direction: Egress, selector: {}, remoteHost: e.example.com}`))
		require.Len(t, p.Sidecar.Packages[0].Sidecars, 1)
		assert.Equal(t, plan.WorkloadSidecar{Name: "shop-egress-default"}, p.Sidecar.Packages[0].Sidecars[0])
	})

	t.Run("other key order first", func(t *testing.T) {
		p, _ := build(pkg(t, "shop", "store", "sidecar", `
- {direction: Egress, selector: {tier: fe, app: web}, remoteHost: b.example.com, description: b}
- {direction: Egress, selector: {app: web, tier: fe}, remoteHost: a.example.com, description: a}`))
		require.Len(t, p.Sidecar.Packages[0].Sidecars, 1)
		assert.Equal(t, "shop-egress-tier-fe-app-web", p.Sidecar.Packages[0].Sidecars[0].Name)
	})
}

func TestSidecarLocalServiceEntries(t *testing.T) {
	shop := pkg(t, "shop", "store", "sidecar", `
- {direction: Egress, remoteHost: api.github.com, ports: [443, 8443]}
- {direction: Egress, remoteHost: api.github.com, remoteProtocol: HTTP, port: 80, description: plain}
- {direction: Egress, remoteHost: Files.Example.com, description: files}
- {direction: Egress, remoteNamespace: db, description: db}`)
	p, fs := build(shop)
	assert.Empty(t, errorsOf(fs))
	require.Len(t, p.Sidecar.Packages, 1)
	ses := p.Sidecar.Packages[0].ServiceEntries
	require.Len(t, ses, 2)
	assert.Equal(t, "shop-egress-api-github-com-443-tls-8443-tls-80-http", ses[0].Name)
	assert.Equal(t, "api.github.com", ses[0].Host)
	assert.Equal(t, []string{"TLS-443", "TLS-8443", "HTTP-80"}, ports(ses[0].Ports))
	assert.Equal(t, "shop-egress-files-example-com-443-tls", ses[1].Name)
	assert.Equal(t, "files.example.com", ses[1].Host)
	assert.Equal(t, []string{"api.github.com", "files.example.com"}, sidecarHosts(p))

	t.Run("a Package without hosts makes nothing", func(t *testing.T) {
		p, fs := build(pkg(t, "db", "db", "sidecar", `- {direction: Egress, remoteNamespace: other}`))
		assert.Empty(t, p.Sidecar.Packages)
		assert.Empty(t, p.Sidecar.Hosts)
		assert.Empty(t, fs, "no hosts: not even the gateway-ports note")
	})
}

func TestGatewayPortWarnings(t *testing.T) {
	const notFound = `Referenced host:port not found: "egressgateway.istio-egress-gateway.svc.cluster.local:9200"`

	t.Run("defaults are 80 and 443", func(t *testing.T) {
		web := pkg(t, "web", "shop", "sidecar", `
- {direction: Egress, remoteHost: a.example.com, ports: [443, 9200]}
- {direction: Egress, remoteHost: b.example.com, port: 9200, description: b}
- {direction: Egress, remoteHost: c.example.com, remoteProtocol: HTTP, description: c}`)
		p, fs := build(web)
		assert.Equal(t, []int{80, 443}, p.Sidecar.GatewayPorts)
		warns := withCode(fs, diag.GatewayPort)
		require.Len(t, warns, 2)
		assertFinding(t, warns[0], diag.Warning, diag.GatewayPort, web.Ref, "spec.network.allow[0].ports[1]",
			"does not expose port 9200", "a.example.com:9200", "80, 443", "UDS Core default", notFound)
		assertFinding(t, warns[1], diag.Warning, diag.GatewayPort, web.Ref, "spec.network.allow[1].port",
			"b.example.com:9200", notFound)
		src := withCode(fs, diag.GatewayPortSource)
		require.Len(t, src, 1)
		assert.Equal(t, diag.Info, src[0].Severity)
		assert.Contains(t, src[0].Message, "80, 443")
		assert.Len(t, p.Sidecar.Hosts, 3, "objects are still planned")
	})

	t.Run("the Service in the input wins over settings", func(t *testing.T) {
		web := pkg(t, "web", "shop", "sidecar", `
- {direction: Egress, remoteHost: a.example.com}
- {direction: Egress, remoteHost: b.example.com, port: 9200, description: b}`)
		s := schemas.DefaultSettings()
		s.GatewayPorts, s.GatewayPortsSet = []int{443}, true
		p, fs := plan.Build(plan.Input{
			Packages: []schemas.Subject{web}, Settings: s,
			Env: plan.Environment{GatewayServiceFound: true, GatewayServicePorts: []int{9200, 8443}},
		})
		assert.Equal(t, []int{9200, 8443}, p.Sidecar.GatewayPorts)
		warns := withCode(fs, diag.GatewayPort)
		require.Len(t, warns, 1)
		assertFinding(t, warns[0], diag.Warning, diag.GatewayPort, web.Ref, "spec.network.allow[0].remoteHost",
			"does not expose port 443", "9200, 8443", "Service istio-egress-gateway/egressgateway in the input")
	})

	t.Run("functionConfig gatewayPorts", func(t *testing.T) {
		web := pkg(t, "web", "shop", "sidecar", `
- {direction: Egress, remoteHost: a.example.com, port: 9200}
- {direction: Egress, remoteHost: b.example.com, remoteProtocol: HTTP, description: b}`)
		s := schemas.DefaultSettings()
		s.GatewayPorts, s.GatewayPortsSet = []int{443, 9200}, true
		p, fs := plan.Build(plan.Input{Packages: []schemas.Subject{web}, Settings: s})
		assert.Equal(t, []int{443, 9200}, p.Sidecar.GatewayPorts)
		warns := withCode(fs, diag.GatewayPort)
		require.Len(t, warns, 1)
		assertFinding(t, warns[0], diag.Warning, diag.GatewayPort, web.Ref, "spec.network.allow[1].remoteHost",
			"does not expose port 80", "functionConfig gatewayPorts")
	})

	t.Run("ambient mode has no egress gateway", func(t *testing.T) {
		_, fs := build(pkg(t, "web", "shop", "", `- {direction: Egress, remoteHost: a.example.com, port: 9200}`))
		assert.Empty(t, withCode(fs, diag.GatewayPort))
		assert.Empty(t, withCode(fs, diag.GatewayPortSource))
	})
}

func TestHostClaims(t *testing.T) {
	env := plan.Environment{Claims: map[string][]string{
		"api.example.com": {"Gateway legacy/legacy-gw", "VirtualService legacy/legacy-vs"},
	}}
	web := pkg(t, "web", "shop", "sidecar", `
- {direction: Egress, remoteHost: other.example.com}
- {direction: Egress, remoteHost: API.example.com, description: api}
- {direction: Egress, remoteHost: api.example.com, remoteProtocol: HTTP, port: 80, description: api-http}`)
	amb := pkg(t, "amb", "amb", "", `- {direction: Egress, remoteHost: api.example.com}`)
	p, fs := plan.Build(plan.Input{Packages: []schemas.Subject{web, amb}, Settings: schemas.DefaultSettings(), Env: env})
	claimed := withCode(fs, diag.HostClaimed)
	require.Len(t, claimed, 1, "one warning per Package and host; none for ambient")
	assertFinding(t, claimed[0], diag.Warning, diag.HostClaimed, web.Ref, "spec.network.allow[1].remoteHost",
		"host api.example.com", "Gateway legacy/legacy-gw, VirtualService legacy/legacy-vs")
	assert.Equal(t, []string{"other.example.com", "api.example.com"}, sidecarHosts(p), "the objects are still planned")
}

func TestAnnotationKeyShortened(t *testing.T) {
	longName := "payments-reconciliation-service-worker"
	longNS := "finance-payments-reconciliation-prod"
	amb := pkg(t, longName, longNS, "", `- {direction: Egress, remoteHost: a.example.com}`)
	side := pkg(t, longName, longNS+"-x", "sidecar", `- {direction: Egress, remoteHost: a.example.com}`)
	part := pkg(t, longName, longNS+"-y", "", `- {direction: Egress, remoteGenerated: Anywhere}`)
	short := pkg(t, "web", "shop", "", `- {direction: Egress, remoteHost: a.example.com}`)
	_, fs := build(amb, side, part, short)
	warns := withCode(fs, diag.AnnotationHashed)
	require.Len(t, warns, 2, "participants and short names get none")
	assertFinding(t, warns[0], diag.Warning, diag.AnnotationHashed, amb.Ref, "metadata.name",
		"uds.dev/user-"+longName+"-"+longNS+" is longer", `"uds.dev/user-`)
	assertFinding(t, warns[1], diag.Warning, diag.AnnotationHashed, side.Ref, "metadata.name")
}

func TestNonEgressEntriesPlanNothing(t *testing.T) {
	p, fs := build(pkg(t, "web", "shop", "", `
- {direction: Ingress, remoteNamespace: gateway, port: 8080}
- {direction: Egress, remoteCidr: 10.0.0.0/8}
- {direction: Egress, remoteGenerated: KubeAPI}`))
	assert.Empty(t, fs)
	assert.Empty(t, p.Ambient.Hosts)
	assert.Empty(t, p.Sidecar.Hosts)
}

// The plan records which allow entries gave each access (what the review
// commands report): an entry naming the host, an Anywhere participant, or
// both for one identity; sidecar access per port and selector.
func TestAccessSources(t *testing.T) {
	a := pkg(t, "a", "team-a", "", `
- {direction: Egress, remoteHost: api.example.com, serviceAccount: app, description: one}
- {direction: Egress, remoteGenerated: Anywhere, serviceAccount: app, description: two}`)
	b := pkg(t, "b", "team-b", "", `
- {direction: Egress, remoteGenerated: Anywhere, port: 8443, description: three}
- {direction: Egress, remoteHost: api.example.com, ports: [443, 8443], description: four}`)
	c := pkg(t, "c", "team-c", "sidecar", `
- {direction: Egress, remoteHost: api.example.com, selector: {app: web}, description: five}
- {direction: Egress, remoteHost: api.example.com, selector: {app: web}, port: 8443, description: six}
- {direction: Egress, remoteHost: api.example.com, description: seven}`)
	p, _ := build(a, b, c)
	require.Len(t, p.Ambient.Hosts, 1)
	var got []string
	for _, r := range p.Ambient.Hosts[0].Rules {
		for _, acc := range r.Access() {
			got = append(got, fmt.Sprintf("%d %s anywhere=%v %v", r.Port, acc.Identity.Listed(), acc.Anywhere, acc.Sources))
		}
	}
	assert.Equal(t, []string{
		"443 cluster.local/ns/team-a/sa/app anywhere=true [team-a/a spec.network.allow[0] team-a/a spec.network.allow[1]]",
		"443 team-b anywhere=false [team-b/b spec.network.allow[1]]",
		"8443 cluster.local/ns/team-a/sa/app anywhere=true [team-a/a spec.network.allow[1]]",
		"8443 team-b anywhere=true [team-b/b spec.network.allow[0] team-b/b spec.network.allow[1]]",
	}, got)
	require.Len(t, p.Sidecar.Packages, 1)
	var side []string
	for _, acc := range p.Sidecar.Packages[0].ServiceEntries[0].Access {
		side = append(side, fmt.Sprintf("%d/%s {%s} %v", acc.Port.Port, acc.Port.Protocol, acc.Selector.Canonical(), acc.Sources))
	}
	assert.Equal(t, []string{
		"443/TLS {app=web} [team-c/c spec.network.allow[0]]",
		"8443/TLS {app=web} [team-c/c spec.network.allow[1]]",
		"443/TLS {} [team-c/c spec.network.allow[2]]",
	}, side)
}

// The plan carries decisions, not strings to parse back (issue 18): an
// ambient identity is its namespace and ServiceAccount (the principal is
// only how the AuthorizationPolicy lists it), and a sidecar access says
// who can use it (its reach) and which Sidecar it belongs to.
func TestPlanCarriesIdentityAndReach(t *testing.T) {
	a := pkg(t, "a", "team-a", "ambient", `
- {direction: Egress, remoteHost: api.example.com, port: 443, serviceAccount: app, description: one}
- {direction: Egress, remoteHost: api.example.com, port: 443, description: two}`)
	c := pkg(t, "c", "team-c", "sidecar", `
- {direction: Egress, remoteHost: api.example.com, selector: {app: web}, port: 443, description: one}
- {direction: Egress, remoteHost: api.example.com, port: 8443, description: two}`)
	s := schemas.DefaultSettings()
	s.TrustDomain = "example.org"
	for _, scope := range []string{schemas.SidecarScopeNamespace, schemas.SidecarScopeWorkload} {
		s.SidecarScope = scope
		p, _ := plan.Build(plan.Input{Packages: []schemas.Subject{a, c}, Settings: s})
		require.Len(t, p.Ambient.Hosts, 1)
		var ids []string
		for _, acc := range p.Ambient.Hosts[0].Rules[0].Access() {
			ids = append(ids, acc.Identity.Namespace+" "+acc.Identity.ServiceAccount()+" "+acc.Identity.Principal)
		}
		assert.Equal(t, []string{"team-a app example.org/ns/team-a/sa/app", "team-a  "}, ids)
		pkg := p.Sidecar.Packages[0]
		access := pkg.ServiceEntries[0].Access
		require.Len(t, access, 2)
		want := plan.ReachNamespace
		if scope == schemas.SidecarScopeWorkload {
			want = plan.ReachSelector
		}
		assert.Equal(t, want, access[0].Reach, "a selector's access, sidecarScope %s", scope)
		assert.Equal(t, plan.ReachNamespace, access[1].Reach, "every pod's access, sidecarScope %s", scope)
		for _, acc := range access {
			assert.Equal(t, acc.Selector.Canonical(), pkg.Sidecars[acc.Sidecar].Selector.Canonical())
		}
		assert.NotEqual(t, access[0].Sidecar, access[1].Sidecar)
	}
}

// The reproduced duplicate: foo.com4 collides with foo.com, and its hashed
// name is the plain name of the host foo.com-<hash of foo.com4>.
func TestHashedNameNeverEqualsAnotherHostsName(t *testing.T) {
	trap := "foo.com-" + hash8("foo.com4")
	p, fs := build(
		pkg(t, "pa", "a", "", `- {direction: Egress, remoteHost: `+trap+`}`),
		pkg(t, "pb", "b", "", `- {direction: Egress, remoteHost: foo.com}`),
		pkg(t, "pc", "c", "", `- {direction: Egress, remoteHost: foo.com4}`),
	)
	assert.Empty(t, errorsOf(fs))
	se, ap := map[string]string{}, map[string]string{}
	for _, h := range p.Ambient.Hosts {
		require.NotContains(t, se, h.ServiceEntryName, "ServiceEntry name of %s already held by %s", h.Host, se[h.ServiceEntryName])
		require.NotContains(t, ap, h.PolicyName, "AuthorizationPolicy name of %s already held by %s", h.Host, ap[h.PolicyName])
		se[h.ServiceEntryName], ap[h.PolicyName] = h.Host, h.Host
	}
	assert.Equal(t, "ambient-se-foo-com-"+hash8("foo.com4"), ambientHost(t, p, trap).ServiceEntryName)
	assert.Equal(t, "ambient-se-foo-com-"+hash8("foo.com4#1"), ambientHost(t, p, "foo.com4").ServiceEntryName)
	assert.Len(t, withCode(fs, diag.NameHashed), 2)
}

// Package-local objects and shared objects meet in one registry when a
// Package lives in the egress gateway's or the ambient namespace.
func TestPackageInAnEgressNamespaceSharesTheRegistry(t *testing.T) {
	t.Run("gateway namespace", func(t *testing.T) {
		local := pkg(t, "service-entry", "istio-egress-gateway", "sidecar", `- {direction: Egress, remoteHost: foo.com}`)
		other := pkg(t, "other", "other", "sidecar", `- {direction: Egress, remoteHost: egress-foo.com-443-tls}`)
		p, fs := build(local, other)
		require.Len(t, p.Sidecar.Packages, 2)
		localSE := p.Sidecar.Packages[0].ServiceEntries[0].Name
		assert.Equal(t, "service-entry-egress-foo-com-443-tls", localSE)
		var shared string
		for _, h := range p.Sidecar.Hosts {
			if h.Host == "egress-foo.com-443-tls" {
				shared = h.ServiceEntryName
			}
		}
		assert.Equal(t, "service-entry-egress-foo-com-443-tls-"+hash8("egress-foo.com-443-tls"), shared)
		assert.NotEmpty(t, withCode(fs, diag.NameHashed))
	})
	t.Run("ambient namespace", func(t *testing.T) {
		local := pkg(t, "ambient-se", "istio-egress-ambient", "sidecar", `- {direction: Egress, remoteHost: x.io}`)
		amb := pkg(t, "amb", "amb", "", `- {direction: Egress, remoteHost: egress-x.io-443-tls}`)
		p, _ := build(local, amb)
		assert.Equal(t, "ambient-se-egress-x-io-443-tls", p.Sidecar.Packages[0].ServiceEntries[0].Name)
		assert.Equal(t, "ambient-se-egress-x-io-443-tls-"+hash8("egress-x.io-443-tls"), ambientHost(t, p, "egress-x.io-443-tls").ServiceEntryName)
	})
}

// Selector identity is the set of pairs, never a joined string: {a: "b,c=d"}
// (rejected by validation, but the planner must not merge it either) and
// {a: b, c: d} are two selectors.
func TestSelectorIdentityIsThePairs(t *testing.T) {
	l1 := schemas.Labels{{Key: "a", Value: "b,c=d"}}
	l2 := schemas.Labels{{Key: "a", Value: "b"}, {Key: "c", Value: "d"}}
	require.Equal(t, l1.Canonical(), l2.Canonical(), "the joined spelling is ambiguous")
	assert.False(t, l1.SameSet(l2))
	assert.NotEqual(t, l1.Identity(), l2.Identity())
	assert.True(t, l2.SameSet(schemas.Labels{{Key: "c", Value: "d"}, {Key: "a", Value: "b"}}))
}

// TestUsersListEachPackageOnce: a host's users and the waypoint's are each
// admitted Package once, in input order, however many entries of a Package
// name the host (interleaved with other hosts) and however many Packages
// share it (Users keeps no index: a Package's entries are added together).
func TestUsersListEachPackageOnce(t *testing.T) {
	var pkgs []schemas.Subject
	var want []string
	for i := range 40 {
		mode := "ambient"
		if i%2 == 1 {
			mode = "sidecar"
		}
		name, ns := fmt.Sprintf("p%02d", i), fmt.Sprintf("ns%02d", i)
		pkgs = append(pkgs, pkg(t, name, ns, mode, `
- {direction: Egress, remoteHost: shared.example.com, port: 443, description: a}
- {direction: Egress, remoteHost: other.example.com, port: 443, description: b}
- {direction: Egress, remoteHost: shared.example.com, port: 8443, description: c}`))
		want = append(want, ns+"/"+name)
	}
	p, fs := build(pkgs...)
	require.Empty(t, errorsOf(fs))
	var ambient, sidecar []string
	for i, w := range want {
		if i%2 == 0 {
			ambient = append(ambient, w)
		} else {
			sidecar = append(sidecar, w)
		}
	}
	assert.Equal(t, ambient, users(ambientHost(t, p, "shared.example.com").Users))
	assert.Equal(t, ambient, users(ambientHost(t, p, "other.example.com").Users))
	assert.Equal(t, ambient, users(p.Ambient.Users))
	require.Len(t, p.Sidecar.Hosts, 2)
	for _, h := range p.Sidecar.Hosts {
		assert.Equal(t, sidecar, users(h.Users), h.Host)
	}
}

// TestBuildReleasesPlannedPackages: with Release, Build lets each Package
// go once it is planned, on the caller's slice; the Subject keeps its
// identity and reference, and the plan is the same.
func TestBuildReleasesPlannedPackages(t *testing.T) {
	in := func() []schemas.Subject {
		return []schemas.Subject{
			pkg(t, "a", "ns-a", "ambient", `- {direction: Egress, remoteHost: x.example.com, port: 443, serviceAccount: web}`),
			pkg(t, "b", "ns-b", "sidecar", `- {direction: Egress, remoteHost: x.example.com, port: 443}`),
		}
	}
	kept, _ := plan.Build(plan.Input{Packages: in(), Settings: schemas.DefaultSettings()})
	subjects := in()
	refs := []*diag.Ref{subjects[0].Ref, subjects[1].Ref}
	released, _ := plan.Build(plan.Input{Packages: subjects, Settings: schemas.DefaultSettings(), Release: true})
	assert.Equal(t, kept, released)
	for i, s := range subjects {
		assert.Nil(t, s.Package, "released")
		assert.Same(t, refs[i], s.Ref)
	}
	assert.Equal(t, schemas.PackageID{Name: "a", Namespace: "ns-a"}, subjects[0].ID())
	assert.Equal(t, schemas.PackageID{Name: "b", Namespace: "ns-b"}, subjects[1].ID())
}

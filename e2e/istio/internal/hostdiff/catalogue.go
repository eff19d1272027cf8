// Package hostdiff proves the function's remoteHost rules differentially:
// over a catalogue of odd hosts, the function accepts a host exactly when
// `istioctl validate` accepts the objects it generates for that host in
// both modes. The few hosts the function rejects on purpose although Istio
// accepts them are listed with the result code and the reason.
package hostdiff

import "strings"

// Host is one catalogue entry.
type Host struct {
	Host string
	// Policy is the result code when the function rejects the host by
	// design although Istio accepts it; "" means the function must agree
	// with istioctl.
	Policy string
	// Why explains a Policy entry.
	Why string
}

const (
	inCluster  = "host-in-cluster"
	hostPolicy = "host-invalid"
)

var (
	label63 = strings.Repeat("a", 63)
	label64 = strings.Repeat("a", 64)
	// 253 and 254 characters.
	host253 = label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 61)
	host254 = label63 + "." + label63 + "." + label63 + "." + strings.Repeat("b", 62)
)

// Catalogue is the list of odd hosts.
var Catalogue = []Host{
	// Ordinary and unusual but valid names.
	{Host: "api.github.com"},
	{Host: "a.io"},
	{Host: "a.b"},
	{Host: "x.y.z"},
	{Host: "a.b.c.d.e.f.g.h.i.j"},
	{Host: "xn--bcher-kva.de"},
	{Host: "xn--80ak6aa92e.com"},
	{Host: "123-api.s3.eu-west-1.amazonaws.com"},
	{Host: "1password.com"},
	{Host: "0.example.com"},
	{Host: "007.example.com"},
	{Host: "api.123.example.com"},
	{Host: "api.example.c0m"},
	{Host: "api.example.co1"},
	{Host: "api.1e3"},
	{Host: "api.0x10"},
	{Host: "1e3.com"},
	{Host: "x--y.com"},
	{Host: "a-b-c.d-e-f"},
	{Host: label63 + ".example.com"},
	{Host: host253},
	{Host: "API.GitHub.COM"},
	{Host: "Mixed.Case.Example.Org"},
	{Host: "printer.local"},
	{Host: "localhost.localdomain"},
	{Host: "metadata.google.internal"},
	{Host: "s3.amazonaws.com"},
	{Host: "foo.com4"},
	{Host: "foo.com-c83dbdeb"},
	{Host: "egress-foo.com-443-tls"},
	{Host: "a.b.com"},
	{Host: "a-b.com"},
	{Host: "svc.example.com"},
	{Host: "api.mysvc"},
	{Host: "cluster.local.example.com"},
	{Host: "kubernetes.default"},
	{Host: "example.xn--p1ai"},
	{Host: "z.zz"},
	{Host: "9a.com"},
	{Host: "a9"},

	// Numbers where a top-level domain belongs.
	{Host: "api.123"},
	{Host: "127.1"},
	{Host: "2130706433"},
	{Host: "0x7f.1"},
	{Host: "1.2.3.4"},
	{Host: "10.0.0.1"},
	{Host: "192.168.1.1"},
	{Host: "8.8.8.8"},
	{Host: "169.254.169.254"},
	{Host: "999.999.999.999"},
	{Host: "1.2.3"},
	{Host: "api.0"},
	{Host: "api.00"},
	{Host: "api.007"},
	{Host: "a.b.c.4"},
	{Host: "0"},
	{Host: "api.99999999999999999999", Policy: hostPolicy,
		Why: "Istio's numeric check is strconv.Atoi, which fails for numbers beyond int64, so Istio accepts this; an all-digit last label is no public name however long"},

	// Single labels: resolved through the pod's search list.
	{Host: "localhost"},
	{Host: "kubernetes"},
	{Host: "api"},
	{Host: "a"},
	{Host: "xn--bcher-kva"},

	// IP literals and ports.
	{Host: "::1"},
	{Host: "2001:db8::1"},
	{Host: "[::1]"},
	{Host: "[2001:db8::1]:443"},
	{Host: "10.0.0.1:443"},
	{Host: "api.github.com:443"},
	{Host: "localhost:8080"},
	{Host: "api.github.com:"},

	// URLs instead of hosts.
	{Host: "https://api.github.com"},
	{Host: "http://api.github.com:8080/get"},
	{Host: "api.github.com/repos"},
	{Host: "api.github.com?x=1"},
	{Host: "api.github.com#top"},
	{Host: "user@api.github.com"},

	// DNS label rules.
	{Host: "api.github.com.", Policy: hostPolicy,
		Why: "SPEC 2.7: Istio allows one trailing dot, but a client never sends it in SNI or Host, so the rule would match nothing; the message says to drop it"},
	{Host: "a..b"},
	{Host: ".example.com"},
	{Host: "example.com.."},
	{Host: label64 + ".example.com"},
	{Host: host254, Policy: hostPolicy,
		Why: "a DNS name has at most 253 characters in text form (255 octets on the wire); Istio's limit is 255 characters"},
	{Host: "_srv.example.com"},
	{Host: "my_api.example.com"},
	{Host: "-api.example.com"},
	{Host: "api-.example.com"},
	{Host: "api.-example.com"},
	{Host: "api.example.com-"},
	{Host: "api.example.-com"},
	{Host: "api example.com"},
	{Host: " api.example.com"},
	{Host: "api.example.com "},
	{Host: "api.example.com\t"},
	{Host: "bücher.de"},
	{Host: "例え.jp"},
	{Host: "api.exa\u200bmple.com"},
	{Host: "api.example.com\u00a0"},
	{Host: "api.exam%70le.com"},
	{Host: "api.exam\\ple.com"},
	{Host: "api.example.com,evil.com"},
	{Host: "api.example.com;evil.com"},
	{Host: "api'.example.com"},
	{Host: "api\".example.com"},
	{Host: "api.example.com\nevil.com"},

	// Wildcards.
	{Host: "*.example.com"},
	{Host: "*"},
	{Host: "api.*.example.com"},
	{Host: "*example.com"},
	{Host: "*.com"},

	// In-cluster names: Istio accepts them, the function sends them to
	// remoteNamespace/remoteSelector.
	{Host: "kubernetes.default.svc.cluster.local", Policy: inCluster, Why: "the API server; in sidecar mode a mesh-wide VirtualService would steer every workload's traffic to it through the egress gateway"},
	{Host: "kubernetes.default.svc", Policy: inCluster, Why: "the API server's short name"},
	{Host: "db.shop.svc", Policy: inCluster, Why: "a Service's .svc name"},
	{Host: "cluster.local", Policy: inCluster, Why: "the cluster domain itself"},
	{Host: "svc.cluster.local", Policy: inCluster, Why: "under the cluster domain"},
	{Host: "10-0-0-1.shop.pod.cluster.local", Policy: inCluster, Why: "a pod's DNS name"},
	{Host: "Kubernetes.Default.SVC.Cluster.Local", Policy: inCluster, Why: "upper case does not hide it"},
}

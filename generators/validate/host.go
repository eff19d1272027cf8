package validate

import (
	"fmt"
	"net"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"
)

// hostProblem explains why host is not a hostname Istio accepts in
// ServiceEntry.spec.hosts, or returns "" when it is fine. Upper-case letters
// are fine here (they are lower-cased and warned about separately).
func hostProblem(host string) string {
	h := strings.ToLower(host)
	switch {
	case strings.Contains(h, "://"):
		scheme, rest, _ := strings.Cut(h, "://")
		return fmt.Sprintf("remove the scheme %q: remoteHost is a bare hostname like %q, and remoteProtocol (TLS or HTTP) says how to talk to it", scheme+"://", bareHost(rest))
	case strings.ContainsAny(h, "/?#"):
		return fmt.Sprintf("remove the path: remoteHost is a bare hostname like %q; egress is allowed per host, not per path", bareHost(h))
	case isIPLiteral(h):
		return "an IP address is not a host: use remoteCidr (with a /32) for an IP, or the DNS name the workload connects to"
	case strings.Contains(h, ":"):
		name, port, _ := strings.Cut(h, ":")
		return fmt.Sprintf("remove the port suffix: write remoteHost: %s and port: %s", name, port)
	case strings.HasSuffix(h, "."):
		return fmt.Sprintf("remove the trailing dot: write %q", strings.TrimRight(h, "."))
	case strings.TrimSpace(h) != h || strings.ContainsFunc(h, unicode.IsSpace):
		return "remove the spaces: a hostname has none"
	case strings.ContainsFunc(h, func(r rune) bool { return r > unicode.MaxASCII }):
		return "non-ASCII characters are not allowed: write an internationalized name in its punycode form (xn--...)"
	case len(h) > 253:
		return fmt.Sprintf("it is %d characters long; a hostname has at most 253", len(h))
	}
	labels := strings.Split(h, ".")
	for _, label := range labels {
		if errs := validation.IsDNS1123Label(label); len(errs) > 0 {
			if label == "" {
				return "it has an empty label (two dots in a row, or a leading dot)"
			}
			return fmt.Sprintf("label %q is not a DNS label: %s", label, strings.Join(errs, "; "))
		}
	}
	if last := labels[len(labels)-1]; allDigits(last) {
		// Istio rejects a numeric top-level domain (strconv.Atoi succeeds);
		// we reject it however long, since no public name ends that way.
		return fmt.Sprintf("its last label %q is all digits: no top-level domain is numeric, so this is an address or a typo (Istio rejects it); use remoteCidr for an IP address", last)
	}
	if len(labels) == 1 {
		return fmt.Sprintf("it is a single label; a pod resolves a name without dots through its DNS search list (the cluster's own domains first), so %q is not an external host: write the fully qualified name, like %q", h, h+".example.com")
	}
	return ""
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// isIPLiteral reports whether h is an IP address, bracketed or not, with or
// without a port suffix ("1.2.3.4:443", "[2001:db8::1]:443").
func isIPLiteral(h string) bool {
	if net.ParseIP(strings.Trim(h, "[]")) != nil {
		return true
	}
	host, _, err := net.SplitHostPort(h)
	return err == nil && net.ParseIP(host) != nil
}

// bareHost strips whatever follows the host part of a URL-ish string.
func bareHost(s string) string {
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ":"); i >= 0 && !strings.Contains(s, "]") {
		s = s[:i]
	}
	return s
}

package review

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/effect"
)

// KindCanI is the kind of can-i's JSON answer.
const KindCanI = "AccessCheck"

// CanIAnswer is what `can-i --format json` prints.
type CanIAnswer struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Request    effect.Request  `json:"request"`
	Decision   effect.Decision `json:"decision"`
	// Sources are the Package allow entries that ask for the connection.
	Sources []string `json:"sources"`
}

// ParseCanIRequest reads NAMESPACE/SERVICEACCOUNT, the labels, the method
// and the URL (https://host[:port][/path] is TLS, port 443 by default;
// http://host[:port][/path] is HTTP, port 80; tcp://host:port).
func ParseCanIRequest(identity, labels, method, rawURL string) (effect.Request, error) {
	var r effect.Request
	ns, sa, ok := strings.Cut(identity, "/")
	if !ok || ns == "" || sa == "" || strings.Contains(sa, "/") {
		return r, fmt.Errorf("the identity is NAMESPACE/SERVICEACCOUNT, not %q", identity)
	}
	r.Namespace, r.ServiceAccount = ns, sa
	if labels != "" {
		r.Labels = map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return r, fmt.Errorf("--labels is k=v,k2=v2, not %q", labels)
			}
			r.Labels[k] = v
		}
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return r, fmt.Errorf("%q is not a URL (https://host/path, http://host:8080/path, tcp://host:port)", rawURL)
	}
	r.Host = strings.ToLower(u.Hostname())
	switch u.Scheme {
	case "https":
		r.Protocol, r.Port = "TLS", 443
	case "http":
		r.Protocol, r.Port = "HTTP", 80
		r.Method, r.Path = "GET", u.EscapedPath()
		if r.Path == "" {
			r.Path = "/"
		}
		if method != "" {
			r.Method = strings.ToUpper(method)
		}
	case "tcp":
		r.Protocol = "TCP"
		if u.Port() == "" {
			return r, fmt.Errorf("a tcp:// URL needs a port")
		}
	default:
		return r, fmt.Errorf("the URL scheme is https, http or tcp, not %q", u.Scheme)
	}
	if method != "" && r.Protocol != "HTTP" {
		return r, fmt.Errorf("--method applies to http:// URLs only (the model sees no method inside TLS)")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return r, fmt.Errorf("port %q is not 1-65535", p)
		}
		r.Port = n
	}
	return r, nil
}

func runCanI(env Env, req effect.Request, paths []string, config, format string) int {
	a, err := analyze(&Loader{Stdin: env.Stdin}, paths, config)
	if err != nil {
		return usage(env, "%v", err)
	}
	for _, f := range a.Out.Findings {
		if f.Code == diag.InputInvalid {
			fmt.Fprintf(env.Stderr, "uds-egress-fn: can-i: the input is unreadable: %s\n", f.Message)
			return ExitUsage
		}
	}
	mut, _ := effect.MutationFromEnv()
	m := a.model(mut)
	if m == nil {
		fmt.Fprintln(env.Stderr, "uds-egress-fn: can-i: the input holds no Istio object and no Package that generates one")
		return ExitUsage
	}
	d := m.Check(req)
	if req.Mode == "" {
		req.Mode = m.ModeOf(req.Namespace)
	}
	_, _, _, sources := intentFor(grantsByNamespace(Grants(a.Out.Plan)), req.Identity, effect.Endpoint{Host: req.Host, Port: req.Port, Protocol: req.Protocol})
	if format == "json" {
		ans := CanIAnswer{APIVersion: APIVersion, Kind: KindCanI, Request: req, Decision: d, Sources: nonNil(sources)}
		b, _ := json.MarshalIndent(ans, "", "  ")
		fmt.Fprintf(env.Stdout, "%s\n", b)
	} else {
		writeCanIText(env, req, d, sources, m.Unmodelled)
	}
	if d.Verdict == effect.Yes {
		return ExitOK
	}
	return ExitErrors
}

func writeCanIText(env Env, req effect.Request, d effect.Decision, sources []string, un []effect.Unmodelled) {
	w := env.Stdout
	fmt.Fprintln(w, d.Verdict)
	what := fmt.Sprintf("%s %s:%d", req.Protocol, req.Host, req.Port)
	if req.Protocol == "HTTP" {
		what += " " + req.Method + " " + req.Path
	}
	fmt.Fprintf(w, "%s (%s) -> %s\n", IdentityText(req.Identity), req.Mode, what)
	if d.Route != "" {
		fmt.Fprintf(w, "route: %s\n", d.Route)
	}
	if d.BlockedBy != nil {
		fmt.Fprintf(w, "blocked by: %s\n", d.BlockedBy)
	}
	if d.Verdict != effect.No {
		for _, b := range d.AllowedBy {
			fmt.Fprintf(w, "allowed by: %s\n", b)
		}
	}
	for _, u := range d.Unknown {
		fmt.Fprintf(w, "depends on: %s\n", u)
	}
	for _, s := range sources {
		fmt.Fprintf(w, "asked for by: %s\n", s)
	}
	if len(sources) == 0 && d.Verdict == effect.Yes {
		fmt.Fprintln(w, "asked for by: no Package in the input")
	}
	if len(un) > 0 {
		fmt.Fprintf(env.Stderr, "uds-egress-fn: warning: the input has %d things the effect model does not evaluate (effect-unmodelled; report --format json lists them)\n", len(un))
	}
}

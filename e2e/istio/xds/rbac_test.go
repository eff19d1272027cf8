package xds

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	rbacpb "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	httprbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/rbac/v3"
	netrbac "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/rbac/v3"
	uritemplate "github.com/envoyproxy/go-control-plane/envoy/extensions/path/match/uri_template/v3"
	matcher "github.com/envoyproxy/go-control-plane/envoy/type/matcher/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// An Envoy RBAC evaluator for the waypoint's filters. Istio's simulator does
// not evaluate RBAC, so the suite does, with Envoy's semantics
// (envoy/source/extensions/filters/common/rbac): a policy matches when ANY of
// its permissions and ANY of its principals match; and_rules/and_ids need
// every member, or_rules/or_ids one, not_rule/not_id invert; an ALLOW engine
// lets a request through when some policy matches, a DENY engine when none
// does; every enforcing filter on the path must let it through. A matcher the
// evaluator does not know is an error — the caller reports it as a problem,
// so an unknown matcher fails the test instead of being read as allow or deny.

// request is one connection (network RBAC) or HTTP request at the waypoint.
type request struct {
	principal string // spiffe://<trust domain>/ns/<ns>/sa/<sa>
	port      int    // destination (service) port
	sni       string // requested server name (TLS chains)
	http      bool   // an HTTP request: method and path are known
	method    string
	path      string // without query
}

// rbacEngine is one enforcing RBAC filter.
type rbacEngine struct {
	network bool // a network filter: it sees no HTTP headers
	rules   *rbacpb.RBAC
}

// rbacEngines decodes RBAC filters (network or HTTP); filters with shadow
// rules only (dry run) enforce nothing and are left out.
func rbacEngines(filters []*anypb.Any) ([]rbacEngine, error) {
	var out []rbacEngine
	for _, a := range filters {
		msg, err := a.UnmarshalNew()
		if err != nil {
			return nil, err
		}
		switch f := msg.(type) {
		case *httprbac.RBAC:
			if f.GetMatcher() != nil {
				return nil, fmt.Errorf("HTTP RBAC with a matcher tree (not evaluated)")
			}
			if f.GetRules() != nil {
				out = append(out, rbacEngine{rules: f.GetRules()})
			}
		case *netrbac.RBAC:
			if f.GetMatcher() != nil {
				return nil, fmt.Errorf("network RBAC with a matcher tree (not evaluated)")
			}
			if f.GetEnforcementType() != netrbac.RBAC_ONE_TIME_ON_FIRST_BYTE {
				return nil, fmt.Errorf("network RBAC enforcement %v (not evaluated)", f.GetEnforcementType())
			}
			if f.GetRules() != nil {
				out = append(out, rbacEngine{network: true, rules: f.GetRules()})
			}
		default:
			return nil, fmt.Errorf("unknown RBAC filter type %T", msg)
		}
	}
	return out, nil
}

// allowed evaluates every engine in order; the request passes when each lets it through.
func allowed(engines []rbacEngine, r request) (bool, error) {
	for _, e := range engines {
		rq := r
		if e.network {
			rq.http = false
		}
		matched := false
		for name, pol := range e.rules.GetPolicies() {
			m, err := policyMatches(pol, rq)
			if err != nil {
				return false, fmt.Errorf("policy %s: %w", name, err)
			}
			matched = matched || m
		}
		switch e.rules.GetAction() {
		case rbacpb.RBAC_ALLOW:
			if !matched {
				return false, nil
			}
		case rbacpb.RBAC_DENY:
			if matched {
				return false, nil
			}
		case rbacpb.RBAC_LOG:
		default:
			return false, fmt.Errorf("RBAC action %v (not evaluated)", e.rules.GetAction())
		}
	}
	return true, nil
}

func policyMatches(p *rbacpb.Policy, r request) (bool, error) {
	if p.GetCondition() != nil || p.GetCheckedCondition() != nil {
		return false, fmt.Errorf("a CEL condition (not evaluated)")
	}
	perm, err := anyOf(len(p.GetPermissions()), func(i int) (bool, error) { return permission(p.GetPermissions()[i], r) })
	if err != nil || !perm {
		return false, err
	}
	return anyOf(len(p.GetPrincipals()), func(i int) (bool, error) { return principal(p.GetPrincipals()[i], r) })
}

// anyOf and allOf evaluate every member (so an unknown matcher anywhere is
// found, whatever the other members say).
func anyOf(n int, f func(int) (bool, error)) (bool, error) {
	out := false
	for i := 0; i < n; i++ {
		m, err := f(i)
		if err != nil {
			return false, err
		}
		out = out || m
	}
	return out, nil
}

func allOf(n int, f func(int) (bool, error)) (bool, error) {
	out := true
	for i := 0; i < n; i++ {
		m, err := f(i)
		if err != nil {
			return false, err
		}
		out = out && m
	}
	return out, nil
}

func permission(p *rbacpb.Permission, r request) (bool, error) {
	switch x := p.GetRule().(type) {
	case *rbacpb.Permission_AndRules:
		rs := x.AndRules.GetRules()
		return allOf(len(rs), func(i int) (bool, error) { return permission(rs[i], r) })
	case *rbacpb.Permission_OrRules:
		rs := x.OrRules.GetRules()
		return anyOf(len(rs), func(i int) (bool, error) { return permission(rs[i], r) })
	case *rbacpb.Permission_NotRule:
		m, err := permission(x.NotRule, r)
		return !m, err
	case *rbacpb.Permission_Any:
		return x.Any, nil
	case *rbacpb.Permission_DestinationPort:
		return int(x.DestinationPort) == r.port, nil
	case *rbacpb.Permission_DestinationPortRange:
		return int32(r.port) >= x.DestinationPortRange.GetStart() && int32(r.port) < x.DestinationPortRange.GetEnd(), nil
	case *rbacpb.Permission_Header:
		return header(x.Header, r)
	case *rbacpb.Permission_UrlPath:
		if !r.http {
			return false, nil
		}
		return stringMatch(x.UrlPath.GetPath(), r.path)
	case *rbacpb.Permission_UriTemplate:
		return uriTemplate(x.UriTemplate.GetTypedConfig(), r)
	case *rbacpb.Permission_Matcher:
		return uriTemplate(x.Matcher.GetTypedConfig(), r)
	case *rbacpb.Permission_RequestedServerName:
		return stringMatch(x.RequestedServerName, r.sni)
	}
	return false, fmt.Errorf("permission %T (not evaluated)", p.GetRule())
}

func uriTemplate(a *anypb.Any, r request) (bool, error) {
	msg, err := a.UnmarshalNew()
	if err != nil {
		return false, err
	}
	t, ok := msg.(*uritemplate.UriTemplateMatchConfig)
	if !ok {
		return false, fmt.Errorf("permission matcher %T (not evaluated)", msg)
	}
	if !r.http {
		return false, nil
	}
	re, err := templateRegexp(t.GetPathTemplate())
	if err != nil {
		return false, err
	}
	return re.MatchString(r.path), nil
}

// templateRegexp compiles an Envoy URI template (envoy/source/extensions/path/
// uri_template_lib): a "*" or "{name}" operator matches one path segment of at
// least one character; "**" or "{name=**}" (last) matches the rest of the path
// including slashes, possibly empty; other characters are literal.
func templateRegexp(t string) (*regexp.Regexp, error) {
	const pchar = `[a-zA-Z0-9\-._~%!$&'()+,;:@=]`
	var b strings.Builder
	b.WriteString("^")
	for i, seg := range strings.Split(t, "/") {
		if i > 0 {
			b.WriteString("/")
		}
		switch {
		case seg == "**" || (strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "=**}")):
			b.WriteString("(?:" + pchar + "|/)*")
		case seg == "*" || (strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && !strings.Contains(seg, "=")) ||
			(strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "=*}")):
			b.WriteString(pchar + "+")
		case strings.ContainsAny(seg, "*{}"):
			return nil, fmt.Errorf("URI template %q: segment %q (not evaluated)", t, seg)
		default:
			b.WriteString(regexp.QuoteMeta(seg))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

func principal(p *rbacpb.Principal, r request) (bool, error) {
	switch x := p.GetIdentifier().(type) {
	case *rbacpb.Principal_AndIds:
		ids := x.AndIds.GetIds()
		return allOf(len(ids), func(i int) (bool, error) { return principal(ids[i], r) })
	case *rbacpb.Principal_OrIds:
		ids := x.OrIds.GetIds()
		return anyOf(len(ids), func(i int) (bool, error) { return principal(ids[i], r) })
	case *rbacpb.Principal_NotId:
		m, err := principal(x.NotId, r)
		return !m, err
	case *rbacpb.Principal_Any:
		return x.Any, nil
	case *rbacpb.Principal_Authenticated_:
		if x.Authenticated.GetPrincipalName() == nil {
			return r.principal != "", nil // any authenticated peer
		}
		return stringMatch(x.Authenticated.GetPrincipalName(), r.principal)
	case *rbacpb.Principal_FilterState:
		// In a waypoint the peer's identity comes from the HBONE tunnel.
		if x.FilterState.GetKey() != "io.istio.peer_principal" || x.FilterState.GetStringMatch() == nil {
			return false, fmt.Errorf("filter state %s (not evaluated)", x.FilterState.GetKey())
		}
		return stringMatch(x.FilterState.GetStringMatch(), r.principal)
	}
	return false, fmt.Errorf("principal %T (not evaluated)", p.GetIdentifier())
}

// header matches the one request header the suite models, :method.
//
//nolint:staticcheck // the deprecated header match fields are still honoured by Envoy, so they are evaluated
func header(h *route.HeaderMatcher, r request) (bool, error) {
	if h.GetName() != ":method" {
		return false, fmt.Errorf("header %s (not evaluated)", h.GetName())
	}
	if !r.http {
		return h.GetInvertMatch(), nil // no headers on a network filter: absent
	}
	v := r.method
	var m bool
	var err error
	switch x := h.GetHeaderMatchSpecifier().(type) {
	case *route.HeaderMatcher_StringMatch:
		m, err = stringMatch(x.StringMatch, v)
	case *route.HeaderMatcher_ExactMatch:
		m = v == x.ExactMatch
	case *route.HeaderMatcher_PrefixMatch:
		m = strings.HasPrefix(v, x.PrefixMatch)
	case *route.HeaderMatcher_SuffixMatch:
		m = strings.HasSuffix(v, x.SuffixMatch)
	case *route.HeaderMatcher_ContainsMatch:
		m = strings.Contains(v, x.ContainsMatch)
	case *route.HeaderMatcher_PresentMatch:
		m = x.PresentMatch
	case *route.HeaderMatcher_SafeRegexMatch:
		m, err = stringMatch(&matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: x.SafeRegexMatch}}, v)
	default:
		return false, fmt.Errorf("header matcher %T (not evaluated)", h.GetHeaderMatchSpecifier())
	}
	if err != nil {
		return false, err
	}
	return m != h.GetInvertMatch(), nil
}

func stringMatch(m *matcher.StringMatcher, v string) (bool, error) {
	if m.GetIgnoreCase() {
		v = strings.ToLower(v)
	}
	lc := func(s string) string {
		if m.GetIgnoreCase() {
			return strings.ToLower(s)
		}
		return s
	}
	switch x := m.GetMatchPattern().(type) {
	case *matcher.StringMatcher_Exact:
		return v == lc(x.Exact), nil
	case *matcher.StringMatcher_Prefix:
		return strings.HasPrefix(v, lc(x.Prefix)), nil
	case *matcher.StringMatcher_Suffix:
		return strings.HasSuffix(v, lc(x.Suffix)), nil
	case *matcher.StringMatcher_Contains:
		return strings.Contains(v, lc(x.Contains)), nil
	case *matcher.StringMatcher_SafeRegex:
		// RE2 full match, as Envoy's safe_regex.
		re, err := regexp.Compile("^(?:" + x.SafeRegex.GetRegex() + ")$")
		if err != nil {
			return false, err
		}
		return re.MatchString(v), nil
	}
	return false, fmt.Errorf("string matcher %T (not evaluated)", m.GetMatchPattern())
}

// TestRBACEvaluator pins the evaluator's semantics on hand-built filters:
// AND of principals needs every member, NOT inverts, DENY engines block on
// a match, and an unknown matcher is an error (never an allow or a deny).
func TestRBACEvaluator(t *testing.T) {
	exact := func(s string) *matcher.StringMatcher {
		return &matcher.StringMatcher{MatchPattern: &matcher.StringMatcher_Exact{Exact: s}}
	}
	peer := func(s string) *rbacpb.Principal {
		return &rbacpb.Principal{Identifier: &rbacpb.Principal_FilterState{FilterState: &matcher.FilterStateMatcher{
			Key: "io.istio.peer_principal", Matcher: &matcher.FilterStateMatcher_StringMatch{StringMatch: exact(s)}}}}
	}
	nsRe := &rbacpb.Principal{Identifier: &rbacpb.Principal_FilterState{FilterState: &matcher.FilterStateMatcher{
		Key: "io.istio.peer_principal", Matcher: &matcher.FilterStateMatcher_StringMatch{StringMatch: &matcher.StringMatcher{
			MatchPattern: &matcher.StringMatcher_SafeRegex{SafeRegex: &matcher.RegexMatcher{Regex: ".*/ns/b/.*"}}}}}}}
	port80 := &rbacpb.Permission{Rule: &rbacpb.Permission_DestinationPort{DestinationPort: 80}}
	get := &rbacpb.Permission{Rule: &rbacpb.Permission_Header{Header: &route.HeaderMatcher{Name: ":method",
		HeaderMatchSpecifier: &route.HeaderMatcher_StringMatch{StringMatch: exact("GET")}}}}
	tmpl, _ := anypb.New(&uritemplate.UriTemplateMatchConfig{PathTemplate: "/status/*"})
	status := &rbacpb.Permission{Rule: &rbacpb.Permission_UriTemplate{UriTemplate: &corev3.TypedExtensionConfig{Name: "t", TypedConfig: tmpl}}}
	and := func(ps ...*rbacpb.Permission) *rbacpb.Permission {
		return &rbacpb.Permission{Rule: &rbacpb.Permission_AndRules{AndRules: &rbacpb.Permission_Set{Rules: ps}}}
	}
	engine := func(action rbacpb.RBAC_Action, perm *rbacpb.Permission, ids ...*rbacpb.Principal) []rbacEngine {
		return []rbacEngine{{rules: &rbacpb.RBAC{Action: action, Policies: map[string]*rbacpb.Policy{"p": {
			Permissions: []*rbacpb.Permission{perm}, Principals: ids}}}}}
	}
	andIDs := &rbacpb.Principal{Identifier: &rbacpb.Principal_AndIds{AndIds: &rbacpb.Principal_Set{Ids: []*rbacpb.Principal{
		peer("spiffe://td/ns/a/sa/x"), nsRe}}}}
	rq := func(p string, port int, method, path string) request {
		return request{principal: p, port: port, http: method != "", method: method, path: path}
	}
	for _, tc := range []struct {
		name    string
		engines []rbacEngine
		r       request
		want    bool
		err     bool
	}{
		{"OR of principals: either", engine(rbacpb.RBAC_ALLOW, port80, peer("spiffe://td/ns/a/sa/x"), nsRe), rq("spiffe://td/ns/b/sa/y", 80, "", ""), true, false},
		{"AND of principals: a and b at once is nobody", engine(rbacpb.RBAC_ALLOW, port80, andIDs), rq("spiffe://td/ns/a/sa/x", 80, "", ""), false, false},
		{"destination port", engine(rbacpb.RBAC_ALLOW, port80, nsRe), rq("spiffe://td/ns/b/sa/y", 443, "", ""), false, false},
		{"method AND template: GET /status/200", engine(rbacpb.RBAC_ALLOW, and(get, status), nsRe), rq("spiffe://td/ns/b/sa/y", 80, "GET", "/status/200"), true, false},
		{"template * is one segment", engine(rbacpb.RBAC_ALLOW, and(get, status), nsRe), rq("spiffe://td/ns/b/sa/y", 80, "GET", "/status/2/0"), false, false},
		{"method", engine(rbacpb.RBAC_ALLOW, and(get, status), nsRe), rq("spiffe://td/ns/b/sa/y", 80, "POST", "/status/200"), false, false},
		{"NOT", engine(rbacpb.RBAC_ALLOW, &rbacpb.Permission{Rule: &rbacpb.Permission_NotRule{NotRule: get}}, nsRe), rq("spiffe://td/ns/b/sa/y", 80, "GET", "/"), false, false},
		{"DENY on a match", engine(rbacpb.RBAC_DENY, port80, nsRe), rq("spiffe://td/ns/b/sa/y", 80, "", ""), false, false},
		{"DENY without a match", engine(rbacpb.RBAC_DENY, port80, nsRe), rq("spiffe://td/ns/c/sa/y", 80, "", ""), true, false},
		{"unknown permission fails", engine(rbacpb.RBAC_ALLOW, &rbacpb.Permission{Rule: &rbacpb.Permission_Metadata{}}, nsRe), rq("spiffe://td/ns/b/sa/y", 80, "", ""), false, true},
		{"unknown principal fails, even in an OR another member satisfies", engine(rbacpb.RBAC_ALLOW, port80, nsRe,
			&rbacpb.Principal{Identifier: &rbacpb.Principal_SourceIp{}}), rq("spiffe://td/ns/b/sa/y", 80, "", ""), false, true},
		{"unknown header fails", engine(rbacpb.RBAC_ALLOW, &rbacpb.Permission{Rule: &rbacpb.Permission_Header{Header: &route.HeaderMatcher{Name: "x-user"}}}, nsRe),
			rq("spiffe://td/ns/b/sa/y", 80, "GET", "/"), false, true},
	} {
		got, err := allowed(tc.engines, tc.r)
		if (err != nil) != tc.err || (err == nil && got != tc.want) {
			t.Errorf("%s: got %v, %v; want %v (error %v)", tc.name, got, err, tc.want, tc.err)
		}
	}
}

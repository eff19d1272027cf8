package effect

import (
	"slices"
	"strconv"
)

// match is the outcome of matching a rule (or part of one).
type match int

const (
	mNo      match = iota
	mUnknown       // depends on something unmodelled
	mCond          // depends on the HTTP method or path (not given)
	mYes
)

// authzRequest is a request as the enforcement point sees it.
type authzRequest struct {
	principal, namespace string
	host                 string
	port                 int
	http                 bool // an HTTP request (else TLS or TCP)
	method, path         string
}

// ruleMatch matches one rule; conds are the HTTP conditions of an mCond.
func (m *Model) ruleMatch(ru rule, req authzRequest, action string) (match, []HTTPMatch) {
	fromM := mYes
	if len(ru.from) > 0 {
		fromM = mNo
		for _, s := range ru.from {
			fromM = max(fromM, m.sourceMatch(s, req))
		}
	}
	toM, conds := mYes, []HTTPMatch(nil)
	if len(ru.to) > 0 {
		toM = mNo
		for _, op := range ru.to {
			r, c := m.operationMatch(op, req, action)
			if r == mCond {
				conds = append(conds, c)
			}
			toM = max(toM, r)
		}
		if toM == mYes {
			conds = nil
		}
	}
	whenM := mYes
	if ru.when > 0 {
		whenM = mUnknown
	}
	if m.opts.Mutation == AndAsOr {
		parts := []match{}
		if len(ru.from) > 0 {
			parts = append(parts, fromM)
		}
		if len(ru.to) > 0 {
			parts = append(parts, toM)
		}
		if ru.when > 0 {
			parts = append(parts, whenM)
		}
		if len(parts) == 0 {
			return mYes, nil
		}
		return slices.Max(parts), conds
	}
	return min(fromM, toM, whenM), conds
}

// sourceMatch: every field present must match.
func (m *Model) sourceMatch(s source, req authzRequest) match {
	if len(s.other) > 0 {
		return mUnknown
	}
	checks := []bool{}
	if len(s.principals) > 0 {
		checks = append(checks, anyMatch(s.principals, req.principal, istioMatch))
	}
	if len(s.notPrincipals) > 0 {
		checks = append(checks, !anyMatch(s.notPrincipals, req.principal, istioMatch))
	}
	if len(s.namespaces) > 0 {
		checks = append(checks, anyMatch(s.namespaces, req.namespace, istioMatch))
	}
	if len(s.notNamespaces) > 0 {
		checks = append(checks, !anyMatch(s.notNamespaces, req.namespace, istioMatch))
	}
	if len(checks) == 0 {
		return mYes
	}
	if m.opts.Mutation == AndAsOr {
		if slices.Contains(checks, true) {
			return mYes
		}
		return mNo
	}
	if slices.Contains(checks, false) {
		return mNo
	}
	return mYes
}

// operationMatch: every field present must match. On a TLS or TCP
// connection an ALLOW operation with HTTP-only fields never matches and a
// DENY one ignores them.
func (m *Model) operationMatch(op operation, req authzRequest, action string) (match, HTTPMatch) {
	l4 := true
	if len(op.ports) > 0 && !anyMatch(op.ports, strconv.Itoa(req.port), func(p, v string) bool { return p == v }) {
		l4 = false
	}
	if len(op.notPorts) > 0 && anyMatch(op.notPorts, strconv.Itoa(req.port), func(p, v string) bool { return p == v }) {
		l4 = false
	}
	hostOK := func() bool {
		return (len(op.hosts) == 0 || anyMatch(op.hosts, req.host, istioMatch)) &&
			(len(op.notHosts) == 0 || !anyMatch(op.notHosts, req.host, istioMatch))
	}
	httpOnly := len(op.methods)+len(op.notMethods)+len(op.paths)+len(op.notPaths)+len(op.hosts)+len(op.notHosts) > 0
	if m.opts.Mutation == AndAsOr && (len(op.ports) > 0 && l4) {
		return mYes, HTTPMatch{}
	}
	if !l4 {
		return mNo, HTTPMatch{}
	}
	if !req.http {
		if httpOnly && action == "ALLOW" {
			return mNo, HTTPMatch{}
		}
		return mYes, HTTPMatch{}
	}
	if !hostOK() {
		return mNo, HTTPMatch{}
	}
	if len(op.methods)+len(op.notMethods)+len(op.paths)+len(op.notPaths) == 0 {
		return mYes, HTTPMatch{}
	}
	cond := HTTPMatch{Methods: op.methods, Paths: op.paths, NotMethods: op.notMethods, NotPaths: op.notPaths}
	given := true
	ok := true
	if len(op.methods)+len(op.notMethods) > 0 {
		if req.method == "" {
			given = false
		} else {
			ok = ok && (len(op.methods) == 0 || anyMatch(op.methods, req.method, istioMatch)) &&
				(len(op.notMethods) == 0 || !anyMatch(op.notMethods, req.method, istioMatch))
		}
	}
	if len(op.paths)+len(op.notPaths) > 0 {
		if req.path == "" {
			given = false
		} else {
			ok = ok && (len(op.paths) == 0 || anyMatch(op.paths, req.path, pathMatch)) &&
				(len(op.notPaths) == 0 || !anyMatch(op.notPaths, req.path, pathMatch))
		}
	}
	switch {
	case !ok:
		return mNo, HTTPMatch{}
	case !given:
		return mCond, cond
	}
	return mYes, HTTPMatch{}
}

// authorize evaluates the policies that apply at one enforcement point, as
// Istio does: CUSTOM (unknown), then DENY, then ALLOW.
func (m *Model) authorize(policies []*policy, req authzRequest, d *Decision) {
	var allows []*policy
	var except []HTTPMatch
	for _, p := range policies {
		switch p.action {
		case "CUSTOM":
			d.Unknown = append(d.Unknown, p.ref.String()+" spec.action: CUSTOM")
		case "AUDIT":
		case "DENY":
			if m.opts.Mutation == DropDeny {
				continue
			}
			for _, ru := range p.rules {
				r, conds := m.ruleMatch(ru, req, "DENY")
				switch r {
				case mYes:
					*d = no(Because{Object: p.ref, Field: ru.path, Reason: "a DENY rule matches"})
					return
				case mCond:
					except = append(except, conds...)
				case mUnknown:
					d.Unknown = append(d.Unknown, p.ref.String()+" "+ru.path+": a DENY rule that depends on what the model does not evaluate")
				}
			}
		default:
			allows = append(allows, p)
		}
	}
	if len(allows) == 0 {
		d.Verdict = Yes
	} else {
		best := mNo
		var yes []Because
		var conds []HTTPMatch
		var unknown []string
		for _, p := range allows {
			for _, ru := range p.rules {
				r, c := m.ruleMatch(ru, req, "ALLOW")
				switch r {
				case mYes:
					yes = append(yes, Because{Object: p.ref, Field: ru.path, Reason: "this ALLOW rule matches"})
				case mCond:
					yes = append(yes, Because{Object: p.ref, Field: ru.path, Reason: "this ALLOW rule matches some requests"})
					conds = append(conds, c...)
				case mUnknown:
					unknown = append(unknown, p.ref.String()+" "+ru.path+": an ALLOW rule that depends on what the model does not evaluate")
				}
				best = max(best, r)
			}
		}
		switch best {
		case mYes:
			d.Verdict = Yes
			d.AllowedBy = append(d.AllowedBy, onlyYes(yes)...)
		case mCond:
			d.Verdict = Some
			d.AllowedBy = append(d.AllowedBy, yes...)
			d.HTTP = conds
		case mUnknown:
			d.Verdict = Unknown
			d.Unknown = append(d.Unknown, unknown...)
		default:
			names := []string{}
			for _, p := range allows {
				names = append(names, p.ref.String())
			}
			reason := "no rule of the ALLOW policies that apply matches"
			if req.http && (req.method != "" || req.path != "") {
				reason = "no ALLOW rule matches this method and path"
			}
			b := Because{Object: allows[0].ref, Reason: reason}
			if len(allows) > 1 {
				b.Reason += " (also " + joinRest(names) + ")"
			}
			*d = Decision{Verdict: No, BlockedBy: &b, Unknown: d.Unknown}
			return
		}
	}
	if len(except) > 0 && d.Verdict != No {
		if d.Verdict == Yes {
			d.Verdict = Some
		}
		d.Except = except
	}
	if len(d.Unknown) > 0 && d.Verdict != No {
		d.Verdict = Unknown
	}
}

func onlyYes(bs []Because) []Because {
	var out []Because
	for _, b := range bs {
		if b.Reason == "this ALLOW rule matches" {
			out = append(out, b)
		}
	}
	return out
}

func joinRest(names []string) string {
	out := ""
	for i, n := range names[1:] {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// Package effect computes the effect of a set of Istio objects: which
// identity can open which connection to which external host, port, method
// and path, as Istio applies the objects, and which objects allow or block
// it. It reads the objects alone (the function's output, a directory of
// rendered files, or a `kubectl get ... -o yaml` dump of a cluster), never
// the Packages: the review commands compare the two (intent and effect,
// result effect-differs).
//
// The objects are decoded into this package's own small structs (no
// istio.io/api import: the binary keeps it out). What is modelled:
//
//   - ServiceEntry: hosts (exact and *.suffix), ports (number, protocol,
//     targetPort), exportTo, the istio.io/use-waypoint and
//     istio.io/use-waypoint-namespace labels (or its Namespace's).
//   - AuthorizationPolicy: ALLOW, DENY (CUSTOM and AUDIT are unmodelled),
//     selector, targetRefs (and the deprecated targetRef), rules with
//     from.source principals/notPrincipals/namespaces/notNamespaces and
//     to.operation ports/notPorts/methods/notMethods/paths/notPaths/hosts/
//     notHosts; paths as Istio matches them (exact, prefix "/x*", suffix
//     "*x", "*", URI templates {*} and {**}). Evaluated as Istio does: a
//     CUSTOM policy is unknown; any matching DENY blocks; with no ALLOW
//     policy the request is allowed, else one matching ALLOW rule allows it.
//     Within a rule every field present must match (from AND to AND when);
//     across the entries of from, of to, and across rules and policies any
//     one is enough. On a TLS or TCP connection an ALLOW rule with HTTP-only
//     fields (methods, paths) never matches and a DENY rule drops them (so
//     it denies more), as Istio builds the TCP filter.
//   - Sidecar: workloadSelector (a Sidecar that selects the pod takes
//     precedence over the namespace-wide one, oldest first; with none, the
//     root namespace's), egress[].hosts with namespace/ prefixes (".", "*",
//     "~") and egress[].port, outboundTrafficPolicy.mode (absent: the mesh
//     default, which is Istio's ALLOW_ANY: the model cannot see meshConfig).
//   - VirtualService: hosts, gateways (mesh and named Gateways), exportTo,
//     http and tls routes (match gateways, port, sniHosts, sourceNamespace)
//     and their first destination: in sidecar mode an HTTP route makes the host reachable
//     from every namespace it is exported to even with no ServiceEntry
//     visible there (Istio builds the virtual host anyway); a TLS route
//     needs a visible ServiceEntry.
//   - Gateway (networking.istio.io): selector and servers (hosts, port,
//     protocol), for the egress gateway leg; AuthorizationPolicies whose
//     selector picks the gateway pods (or namespace-wide ones in its
//     namespace) are evaluated with the client's identity.
//   - Gateway (gateway.networking.k8s.io, class istio-waypoint): the waypoint.
//   - DestinationRule: read (host, exportTo, TLS settings) but it changes no
//     allow decision.
//   - Namespace: labels istio.io/dataplane-mode, istio-injection,
//     istio.io/use-waypoint(-namespace).
//
// In ambient mode a host is reached through a ServiceEntry bound to a
// waypoint, decided by the policies that target it or the waypoint Gateway
// (targetRefs). The exportTo of an ambient ServiceEntry does
// not restrict ambient clients (ztunnel serves it mesh-wide). A host without
// such a ServiceEntry is "no": egress that bypasses the waypoint is a
// NetworkPolicy question, which this model does not evaluate.
//
// Anything the model does not evaluate (a `when` condition, a CUSTOM
// policy, an EnvoyFilter or another Istio kind it does not know, a field it
// does not read) is listed as Unmodelled (the review's effect-unmodelled
// warning) naming the object and the field; a decision that depends on it is
// Unknown, never assumed either way.
//
// # Mutation switch (test-only)
//
// The xDS agreement test (e2e/istio/xds) proves the model against istiod's
// own configuration, and proves that it would notice a wrong model: it runs
// the built binary with
//
//	UDS_EGRESS_FN_EFFECT_SELFTEST=1 UDS_EGRESS_FN_EFFECT_MUTATION=<m>
//
// where <m> is one of drop-deny (DENY policies are ignored), and-as-or (a
// rule matches when any one of its from/to/when parts does), ignore-exportto
// (every object is visible everywhere) or ignore-sidecar-precedence (the
// namespace-wide Sidecar wins over a workload-selected one). The commands
// read the variables through MutationFromEnv: a mutation without
// UDS_EGRESS_FN_EFFECT_SELFTEST=1, or an unknown one, is refused (exit 2),
// and a mutated run says so on stderr. Never set them outside that test.
package effect

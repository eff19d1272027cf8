package diag

// Result codes. The catalogue below is the single source of their severity
// and meaning; the README table is checked against it by a test. Rule and
// section numbers refer to docs/behaviour.md.
const (
	InputInvalid       Code = "input-invalid"
	ItemInvalid        Code = "item-invalid"
	ConfigInvalid      Code = "config-invalid"
	ConfigUnknownKey   Code = "config-unknown-key"
	NoPackages         Code = "no-packages"
	InvalidType        Code = "invalid-type"
	MissingField       Code = "missing-field"
	InvalidValue       Code = "invalid-value"
	UnknownField       Code = "unknown-field"
	PackageNearMiss    Code = "package-near-miss"
	UnsupportedAPI     Code = "unsupported-api-version"
	DuplicatePackage   Code = "duplicate-package"
	DeprecatedField    Code = "deprecated-field"
	PackageDeleted     Code = "package-deleted"
	MissingRemote      Code = "allow-missing-remote"
	ConflictingRemote  Code = "allow-conflicting-remotes"
	UDPGenerated       Code = "allow-udp-generated"
	HostProtocol       Code = "host-protocol"
	HostIngress        Code = "host-ingress"
	HostWildcard       Code = "host-wildcard"
	HostInvalid        Code = "host-invalid"
	HostUppercase      Code = "host-uppercase"
	ServiceAccount     Code = "service-account-scope"
	PortInvalid        Code = "port-invalid"
	PolicyNameTaken    Code = "policy-name-duplicate"
	NamespaceTaken     Code = "namespace-taken"
	NamespaceReserved  Code = "namespace-reserved"
	NameTooLong        Code = "name-too-long"
	HostPortConflict   Code = "host-port-conflict"
	NamespaceIdentity  Code = "identity-namespace"
	NameHashed         Code = "name-hashed"
	AnnotationHashed   Code = "annotation-key-shortened"
	GatewayPort        Code = "gateway-port-not-exposed"
	GatewayPortSource  Code = "gateway-ports-source"
	HostClaimed        Code = "host-claimed"
	HostInCluster      Code = "host-in-cluster"
	PortLimit          Code = "port-limit"
	ObjectTooLarge     Code = "object-too-large"
	OutputTooLarge     Code = "output-too-large"
	SelectorInvalid    Code = "selector-invalid"
	StaleObjectRemoved Code = "stale-object-removed"
	ManagedForeign     Code = "managed-label-foreign"
	ObjectShadowed     Code = "object-shadowed"
	SidecarOverlap     Code = "sidecar-overlap"
	SidecarOverride    Code = "sidecar-override-allow-any"
	SidecarPortMixed   Code = "sidecar-port-protocol-mixed"
	ObjectDrift        Code = "object-drift"
	PackagesMissing    Code = "packages-missing"

	HostPolicyInvalid   Code = "host-policy-invalid"
	HostPolicyUnused    Code = "host-policy-unused"
	HostPolicyNeedsHTTP Code = "host-policy-needs-http"
	HostPolicyPortClash Code = "host-policy-port-conflict"
	HostPolicySidecar   Code = "host-policy-sidecar-unsupported"
	HostPolicyUncovered Code = "host-policy-uncovered"
	ExpectedNamespace   Code = "expected-namespace-missing"
	PackageLocal        Code = "package-local-config"
	NamespaceInInput    Code = "namespace-in-input"
	NamespaceAmbient    Code = "namespace-not-ambient"

	// Review only (report, diff, can-i): the effect model.
	EffectDiffers    Code = "effect-differs"
	EffectUnmodelled Code = "effect-unmodelled"
)

// Entry describes one code.
type Entry struct {
	Code     Code
	Severity Severity
	Meaning  string
}

// Catalogue lists every code in the order the README documents them.
var Catalogue = []Entry{
	{InputInvalid, Error, "The input is not a YAML ResourceList (not YAML, wrong kind, items not a list, too large or too deep, or a second non-empty YAML document after it). The function writes a ResourceList holding only this result."},
	{ItemInvalid, Error, "An entry of items is not a Kubernetes object (not a mapping, or no apiVersion/kind), has a key twice at the top level or in metadata (the function would read the first value, Kubernetes the last), or is a List holding a Package. It is passed through unchanged and not evaluated."},
	{ConfigInvalid, Error, "functionConfig is not an EgressConfig or ConfigMap, or a setting has the wrong type or value."},
	{ConfigUnknownKey, Error, "functionConfig has a key the function does not know (typo guard)."},
	{NoPackages, Warning, "There is a functionConfig but not a single Package in the input, so nothing is generated (under kustomize: the function is listed under generators:, which see no resources, instead of transformers:)."},
	{InvalidType, Error, "A Package field has the wrong YAML type (a string where a list belongs, a map for a host, a float port...)."},
	{MissingField, Error, "A required Package field is missing or empty: metadata.name, metadata.namespace, spec, allow[].direction."},
	{InvalidValue, Error, "A Package field has a value outside its enum (direction, serviceMesh.mode, remoteGenerated, remoteProtocol, protocol)."},
	{UnknownField, Error, "A key the UDS Package CRD does not define in spec.network, spec.network.serviceMesh or an allow entry, or a key of spec close to a UDS field (spec.netwrok); the message suggests the field meant. UDS fields this function does not read (sso, monitor, caBundle, network.expose) pass untouched."},
	{PackageNearMiss, Warning, "An object is close to a UDS Package but is not one (kind package, Packages; apiVersion uds.io/v1alpha1): it is passed through and not evaluated; the message names what it is close to."},
	{UnsupportedAPI, Error, "A uds.dev Package in an apiVersion other than uds.dev/v1alpha1."},
	{DuplicatePackage, Error, "The same Package (name and namespace) appears twice; the later one is rejected."},
	{DeprecatedField, Warning, "podLabels or remotePodLabels is used; it is copied over selector/remoteSelector as the UDS operator does."},
	{PackageDeleted, Info, "The Package has metadata.deletionTimestamp and is treated as absent."},
	{MissingRemote, Error, "Rule 2.1: an allow entry names no remote (remoteGenerated, remoteNamespace, remoteSelector, remoteCidr or remoteHost)."},
	{ConflictingRemote, Error, "Rule 2.2: an allow entry combines remotes (or a protocol) that cannot go together."},
	{UDPGenerated, Error, "Rule 2.3: UDP with remoteGenerated KubeAPI, KubeNodes or CloudMetadata."},
	{HostProtocol, Error, "Rule 2.4: remoteHost with TCP or UDP; use TLS or HTTP."},
	{HostIngress, Error, "Rule 2.5: remoteHost or remoteProtocol TLS/HTTP on an Ingress entry."},
	{HostWildcard, Error, "Rule 2.6: remoteHost contains a wildcard."},
	{HostInvalid, Error, "Rule 2.7: remoteHost is not a hostname Istio accepts (port suffix, trailing dot, scheme, path, IP literal, DNS label rules, an all-numeric last label), or a single label (resolved through the pod's search list, so not external)."},
	{HostUppercase, Warning, "Rule 2.7: remoteHost has upper-case letters; it is lower-cased everywhere."},
	{HostInCluster, Error, "remoteHost names something inside the cluster (ends in .svc, or is under clusterDomain); use remoteNamespace/remoteSelector for in-cluster Services."},
	{SelectorInvalid, Error, "A selector or remoteSelector key is not a qualified name, or a value is not a label value, as Kubernetes checks them (an empty key, `*`, a comma...)."},
	{ServiceAccount, Error, "Rule 2.8: serviceAccount outside ambient mode, or on an entry that is neither remoteHost nor an Egress remoteGenerated: Anywhere."},
	{PortInvalid, Error, "Rule 2.9: a port is not an integer from 1 to 65535."},
	{PortLimit, Error, "An allow entry lists more than 100 ports (a bound on the work and object size one entry can cause)."},
	{ObjectTooLarge, Error, "A generated object would be larger than 1 MiB (the API server refuses objects of about 1.5 MiB); the fewest of its contributors are rejected, those asking for the most bytes of it first, and the others keep their egress."},
	{OutputTooLarge, Error, "The generated objects would be more than 64 MiB plus 256 bytes per byte of the input's Packages (each Anywhere participant is listed for every host); the fewest Packages are rejected, those asking for the most bytes first, and the others keep their egress."},
	{PolicyNameTaken, Error, "Rule 2.10: two allow entries of one Package would get the same UDS NetworkPolicy name; give them distinct descriptions."},
	{NamespaceTaken, Error, "Rule 2.11: a second Package in a namespace that already has one."},
	{NamespaceReserved, Error, "Rule 2.11: a Package in kube-system, kube-public, _unknown_ or pepr-system."},
	{NameTooLong, Error, "The Package name is longer than 63 characters and cannot be a label value (uds/package) on its sidecar objects."},
	{HostPortConflict, Error, "Section 5: the same host and port with different protocols in one mode; the later Package is rejected."},
	{NamespaceIdentity, Info, "An ambient entry without serviceAccount: the whole namespace is allowed to reach the host."},
	{NameHashed, Warning, "A generated name was empty, too long (Istio Gateway names are DNS labels, at most 63 characters) or taken by another host/selector; a hash of the host was appended."},
	{AnnotationHashed, Warning, "A uds.dev/user-* annotation key was longer than 63 characters and was shortened with a hash."},
	{GatewayPort, Warning, "Sidecar mode: a port the egress gateway Service does not expose; traffic to it will not egress."},
	{GatewayPortSource, Info, "Sidecar mode: which source (Service in the input, EgressConfig, or defaults) gave the egress gateway ports."},
	{HostClaimed, Warning, "Sidecar mode: another Istio Gateway or VirtualService in the input already claims the host."},
	{HostPolicyInvalid, Error, "EgressConfig spec.hosts: a host policy has a bad value (host, port, SNI, HTTP method, path outside Istio's path syntax, header name or value, from namespace or ServiceAccount) or repeats a host. Nothing is regenerated."},
	{HostPolicyUnused, Warning, "EgressConfig spec.hosts: a host policy (or its tlsOrigination port, or one of its http rules) applies to nothing: no ambient Package asks for the host or port, or no granted identity is covered."},
	{HostPolicyNeedsHTTP, Error, "EgressConfig spec.hosts: http rules or requestHeaders on a host that no Package asks for over HTTP; the waypoint cannot see requests in TLS passthrough (use tlsOrigination). Those controls are not generated."},
	{HostPolicyPortClash, Error, "EgressConfig spec.hosts: a Package asks for the tlsOrigination port with remoteProtocol TLS; that port speaks plain HTTP from the client. The Package is rejected."},
	{HostPolicySidecar, Error, "EgressConfig spec.hosts: a sidecar-mode Package asks for a host that has a host policy; host policies are ambient-only. The Package is rejected."},
	{HostPolicyUncovered, Warning, "EgressConfig spec.hosts: an identity a Package grants on an HTTP port is covered by no http rule, so it gets no access on that port."},
	{ExpectedNamespace, Error, "Ownership guard: a namespace in expectedNamespaces holds no Package, so this render is partial (one team's files only) and would drop that team's principals from the shared objects."},
	{PackageLocal, Info, "Profile istio: the Packages in the output are marked config.kubernetes.io/local-config, so kustomize and kpt leave them out of what is applied."},
	{NamespaceInInput, Info, "Profile istio: the input already holds the Namespace of an egress namespace, so none is generated for it."},
	{NamespaceAmbient, Warning, "Profile istio: the ambient egress Namespace in the input lacks istio.io/dataplane-mode: ambient, so the waypoint's namespace is not in the ambient mesh."},
	{StaleObjectRemoved, Info, "An object an earlier run generated (it carries the managed-by label) is not generated any more; it is removed from the output, and this result names it."},
	{ManagedForeign, Warning, "An object carries the managed-by label but the function could never have written it (an AuthorizationPolicy that is not ALLOW, a Sidecar that is not REGISTRY_ONLY, a kind it does not write); it is kept, not removed."},
	{ObjectShadowed, Error, "An input object has the kind, namespace and name of an object the function generates; kubectl apply would keep only one of them."},
	{SidecarOverlap, Warning, "An input REGISTRY_ONLY Sidecar selects workloads a generated REGISTRY_ONLY Sidecar selects: at the same precedence (both namespace-wide, or both with selectors no key tells apart; Istio: IST0109/IST0110) Istio applies one of them, and a Sidecar with a workloadSelector overrides the generated namespace-wide one for its pods; the pods lose the generated Sidecar's egress."},
	{SidecarOverride, Error, "An input Sidecar that is ALLOW_ANY or sets no outboundTrafficPolicy (the mesh default) applies, instead of a generated REGISTRY_ONLY Sidecar, to pods that Sidecar selects (a workloadSelector overrides a namespace-wide Sidecar; at the same precedence Istio picks one): those pods lose REGISTRY_ONLY."},
	{SidecarPortMixed, Warning, "sidecarScope workload: the pods of one generated Sidecar ask for one port number with HTTP for a host and TLS for another, and a Sidecar egress listener has one protocol per port, so the Sidecar imports its hosts on every port the Package asked for them."},
	{ObjectDrift, Error, "Review: the input is what gets applied, and a generated object in it differs from what its Packages produce (a hand edit, another mutator), is missing, or is no longer produced; the result names the object and the first field that differs."},
	{PackagesMissing, Error, "Review: the input holds generated objects but no Package (kustomize drops Packages marked local-config, as profile istio marks them), so the intent cannot be read. report and diff then show the effect of the objects instead (effect-only input, docs/review.md), and this result does not appear; pipe the Packages too to compare intent and effect."},
	{EffectDiffers, Error, "Review only (report, diff): the objects, as Istio applies them, let an identity reach a host:port (or method and path) that no Package asks for, or block one a Package asks for. The message names the identity, host:port and the objects involved."},
	{EffectUnmodelled, Warning, "Review only: an object or field the effect model does not evaluate (a when condition, a CUSTOM policy, an EnvoyFilter, an unknown Istio kind or field); a decision that depends on it is unknown, never assumed either way."},
}

// SeverityOf returns the catalogue severity of code (Error for unknown codes).
func SeverityOf(code Code) Severity {
	for _, e := range Catalogue {
		if e.Code == code {
			return e.Severity
		}
	}
	return Error
}

package schemas

// settingDoc documents one key of settingsTable for people: the type as
// the typed EgressConfig takes it, how a ConfigMap writes it, and what it
// does. docs/configuration.md's settings table is generated from
// settingsTable, these entries and the defaults (TestSettingsDocTable
// fails when the page drifts; UPDATE_DOCS=1 rewrites it). A key without an
// entry fails that test too.
type settingDoc struct {
	typ, configMap, what string
}

var settingDocs = map[string]settingDoc{
	"ambientNamespace":   {"string (DNS label)", "same", "where the ambient objects go"},
	"waypointName":       {"string", "same", "the waypoint Gateway, and `istio.io/use-waypoint`"},
	"waypointEnabled":    {"bool", "`\"true\"` / `\"false\"`", "`false` when the waypoint is deployed elsewhere"},
	"waypointConfigMap":  {"string", "same", "`infrastructure.parametersRef` of the waypoint (profile `istio`: only when set)"},
	"gatewayNamespace":   {"string (DNS label)", "same", "sidecar mode: the egress gateway's namespace"},
	"gatewayService":     {"string (DNS label)", "same", "sidecar mode: its Service (the mesh leg of the VirtualServices)"},
	"gatewaySelector":    {"map of strings", "`\"app=egressgateway,istio=egress\"`", "sidecar mode: selector of the generated Istio Gateways"},
	"gatewayPorts":       {"list of ports", "`\"80,443,9200\"`", "sidecar mode: ports the egress gateway exposes ([gateway ports](#gateway-ports))"},
	"trustDomain":        {"string", "same", "SPIFFE trust domain of principals"},
	"clusterDomain":      {"string", "same", "DNS suffix of in-cluster Services"},
	"pathPrefix":         {"relative path", "same", "kpt: the directory of generated files"},
	"hosts":              {"list of host policies", "not available: `config-invalid` (use the typed EgressConfig)", "ambient host policies ([l7-egress.md](l7-egress.md))"},
	"profile":            {"`uds` or `istio`", "same", "`uds`: a UDS Core cluster; `istio`: plain Istio ([deploying.md](deploying.md#plain-istio-profile-istio))"},
	"namespaces":         {"bool", "`\"true\"` / `\"false\"`", "profile `istio`: generate the egress Namespaces"},
	"expectedNamespaces": {"list of namespace names", "`\"renovate,backstage\"`", "ownership guard: each must hold a Package ([deploying.md](deploying.md#gitops-render-the-whole-fleet-in-one-run))"},
	"stderr":             {"`errors`, `all` or `none`", "same", "what is also printed on stderr ([result-codes.md](result-codes.md#stderr))"},
	"sidecarScope":       {"`namespace` or `workload`", "same", "sidecar mode: what a pod may reach ([below](#sidecarscope))"},
}

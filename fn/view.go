package fn

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// view is the typed view of one input item that Classify builds once, in
// one read of the node: its kind and key, where it came from, the labels,
// selector and claims the later steps use. Classification, the
// environment, the namespace checks and Reconcile read the view, never the
// yaml.Node again; only decoding a Package (schemas.DecodePackage), the
// ambiguity checks (hiddenPackage) and an applied object's content
// (appliedValue) read the node, for what it holds rather than what it is.
type view struct {
	apiVersion, kind string
	// key is what Kubernetes keys the object by (group, kind, namespace,
	// name).
	key objectID
	// file and index say which file (and document) the item came from
	// (kpt and kustomize annotations); file "" when none says.
	file  string
	index int
	// object: a map with apiVersion and kind (anything else is not a
	// Kubernetes object, and the rest of the view is empty).
	object bool
	// managed: it carries the managed-by label of this function.
	managed bool
	// generated is the registered kind of the object when it is one this
	// function generates (ours).
	generated kinds.Kind
	ours      bool
	// pkg: a uds.dev Package (any version: one with an unsupported
	// apiVersion is still a Package, an error); localConfig: it is marked
	// config.kubernetes.io/local-config: "true".
	pkg, localConfig bool
	// A Package's deletionTimestamp is set (deleting) and its
	// spec.network.serviceMesh.mode as written.
	deleting bool
	meshMode string
	// namespace: a core v1 Namespace; labels are then its labels.
	namespace bool
	labels    map[string]string
	// A Sidecar's workloadSelector.labels (nil: none) and
	// outboundTrafficPolicy.mode ("" when not set); an
	// AuthorizationPolicy's action.
	selector    schemas.Labels
	sidecarMode string
	action      string
	// claims are the hosts an Istio Gateway or VirtualService names (a
	// Gateway's namespace/ prefix dropped).
	claims []string
	// gatewayService: the egress gateway Service of the settings, whose
	// ports are gatewayPorts.
	gatewayService bool
	gatewayPorts   []int
}

// viewOf reads the view of an input item (aliases followed).
func viewOf(item *yaml.Node, s schemas.Settings) view {
	v := view{apiVersion: text(item, "apiVersion"), kind: text(item, "kind")}
	v.object = item.Kind == yaml.MappingNode && v.apiVersion != "" && v.kind != ""
	if !v.object {
		return v
	}
	md := lookup(item, "metadata")
	v.key = objectID{kinds.GroupOf(v.apiVersion), v.kind, text(md, "namespace"), text(md, "name")}
	v.file, v.index = krmio.Origin(item)
	v.managed = text(md, "labels", render.ManagedByLabel) == render.ManagedByValue
	v.generated, v.ours = kinds.Lookup(v.apiVersion, v.kind)
	// Not kinds.GroupOf: "uds.dev" without a version is still a Package.
	group, _, _ := strings.Cut(v.apiVersion, "/")
	v.pkg = group == schemas.PackageGroup && v.kind == schemas.PackageKind
	switch {
	case v.pkg:
		v.localConfig = text(md, "annotations", localConfigAnnotation) == "true"
		v.deleting = text(md, "deletionTimestamp") != ""
		v.meshMode = text(item, "spec", "network", "serviceMesh", "mode")
	case v.apiVersion == kinds.Namespace.APIVersion() && v.kind == kinds.Namespace.Kind:
		v.namespace = true
		v.labels = map[string]string{}
		if l := lookup(md, "labels"); l != nil && l.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(l.Content); i += 2 {
				v.labels[l.Content[i].Value] = l.Content[i+1].Value
			}
		}
	case v.ours && v.generated == kinds.Sidecar:
		v.selector = sidecarSelector(item)
		v.sidecarMode = text(item, "spec", "outboundTrafficPolicy", "mode")
	case v.ours && v.generated == kinds.AuthorizationPolicy:
		v.action = text(item, "spec", "action")
	case v.apiVersion == "v1" && v.kind == "Service" && v.key.Namespace == s.GatewayNamespace && v.key.Name == s.GatewayService:
		v.gatewayService = true
		if ports := lookup(item, "spec", "ports"); ports != nil && ports.Kind == yaml.SequenceNode {
			for _, p := range ports.Content {
				if n, err := strconv.Atoi(text(p, "port")); err == nil {
					v.gatewayPorts = append(v.gatewayPorts, n)
				}
			}
		}
	}
	switch {
	case kinds.IstioGateway.Is(v.apiVersion, v.kind):
		servers := lookup(item, "spec", "servers")
		if servers == nil || servers.Kind != yaml.SequenceNode {
			break
		}
		for _, srv := range servers.Content {
			for _, h := range scalars(lookup(srv, "hosts")) {
				// Gateway hosts may be written namespace/host.
				if _, host, found := strings.Cut(h, "/"); found {
					h = host
				}
				v.claims = append(v.claims, h)
			}
		}
	case kinds.VirtualService.Is(v.apiVersion, v.kind):
		v.claims = scalars(lookup(item, "spec", "hosts"))
	}
	return v
}

// Given is an input object of a ProcessApplied run as given, from its
// view: what the effect model of the review commands reads (it decodes
// Node), and what the view says of it.
type Given struct {
	APIVersion, Kind, Group string
	// Namespace and Name are the object's.
	Namespace, Name string
	Node            *yaml.Node
	// Managed: an earlier output of this function (a kind it generates,
	// carrying its managed-by label).
	Managed bool
	// Package: a uds.dev Package; Deleting when its deletionTimestamp is
	// set, MeshMode its spec.network.serviceMesh.mode as written ("" when
	// not set).
	Package, Deleting bool
	MeshMode          string
}

// given is the item as given, for ProcessApplied.
func (v *view) given(item *yaml.Node) Given {
	return Given{APIVersion: v.apiVersion, Kind: v.kind, Group: v.key.Group, Namespace: v.key.Namespace, Name: v.key.Name,
		Node: item, Managed: v.ours && v.managed, Package: v.pkg, Deleting: v.deleting, MeshMode: v.meshMode}
}

// ref is the result reference of the item at output position pos.
func (v *view) ref(pos int) *diag.Ref {
	return &diag.Ref{APIVersion: v.apiVersion, Kind: v.kind, Name: v.key.Name, Namespace: v.key.Namespace,
		File: v.file, Index: v.index, Position: pos}
}

// foreignManaged says why an object carrying the managed-by label is not
// one this function could have written ("" when it could have): it is
// replaced only then.
func (v *view) foreignManaged() string {
	if !v.ours {
		return fmt.Sprintf("the function never writes a %s", v.kind)
	}
	switch v.generated {
	case kinds.AuthorizationPolicy:
		if a := v.action; a != "ALLOW" {
			if a == "" {
				a = "no action"
			}
			return fmt.Sprintf("its action is %s; the function writes only ALLOW policies", a)
		}
	case kinds.Sidecar:
		if m := v.sidecarMode; m != "REGISTRY_ONLY" {
			if m == "" {
				m = "not set"
			}
			return fmt.Sprintf("its outboundTrafficPolicy.mode is %s; the function writes only REGISTRY_ONLY Sidecars", m)
		}
	}
	return ""
}

// inputObject is the item as an input object of a kind the function
// generates, at output position pos.
func (v *view) inputObject(pos int) InputObject {
	return InputObject{Key: v.key, Ref: v.ref(pos), Selector: v.selector,
		Mode: v.sidecarMode, RegistryOnly: v.sidecarMode == "REGISTRY_ONLY"}
}

// observe records what a pass-through object tells the planner: the egress
// gateway Service's ports, and hosts other Istio objects already claim.
func (v *view) observe(env *plan.Environment) {
	if v.gatewayService {
		env.GatewayServiceFound = true
		env.GatewayServicePorts = v.gatewayPorts
	}
	by := ""
	switch {
	case len(v.claims) == 0:
		return
	case kinds.IstioGateway.Is(v.apiVersion, v.kind):
		by = "Gateway " + v.key.Namespace + "/" + v.key.Name
	default:
		by = "VirtualService " + v.key.Namespace + "/" + v.key.Name
	}
	for _, h := range v.claims {
		addClaim(env, h, by)
	}
}

func sidecarSelector(item *yaml.Node) schemas.Labels {
	sel := lookup(item, "spec", "workloadSelector", "labels")
	if sel == nil || sel.Kind != yaml.MappingNode || len(sel.Content) == 0 {
		return nil
	}
	var l schemas.Labels
	for i := 0; i+1 < len(sel.Content); i += 2 {
		l = append(l, schemas.Label{Key: sel.Content[i].Value, Value: sel.Content[i+1].Value})
	}
	return l
}

package checker

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1alpha3"
	security "istio.io/api/security/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	gwv1 "sigs.k8s.io/gateway-api/apis/v1"
	sigsjson "sigs.k8s.io/json"
)

// istioTypes maps Istio kinds to the istio.io/api message of their spec.
// The message is the same for every served version (networking v1,
// v1beta1 and v1alpha3 alias the v1alpha3 types; security v1 aliases
// v1beta1).
var istioTypes = map[schema.GroupKind]func() proto.Message{
	{Group: "networking.istio.io", Kind: "ServiceEntry"}:        func() proto.Message { return &networking.ServiceEntry{} },
	{Group: "networking.istio.io", Kind: "Gateway"}:             func() proto.Message { return &networking.Gateway{} },
	{Group: "networking.istio.io", Kind: "VirtualService"}:      func() proto.Message { return &networking.VirtualService{} },
	{Group: "networking.istio.io", Kind: "Sidecar"}:             func() proto.Message { return &networking.Sidecar{} },
	{Group: "networking.istio.io", Kind: "DestinationRule"}:     func() proto.Message { return &networking.DestinationRule{} },
	{Group: "networking.istio.io", Kind: "WorkloadEntry"}:       func() proto.Message { return &networking.WorkloadEntry{} },
	{Group: "networking.istio.io", Kind: "WorkloadGroup"}:       func() proto.Message { return &networking.WorkloadGroup{} },
	{Group: "security.istio.io", Kind: "AuthorizationPolicy"}:   func() proto.Message { return &security.AuthorizationPolicy{} },
	{Group: "security.istio.io", Kind: "PeerAuthentication"}:    func() proto.Message { return &security.PeerAuthentication{} },
	{Group: "security.istio.io", Kind: "RequestAuthentication"}: func() proto.Message { return &security.RequestAuthentication{} },
}

// gatewayAPITypes maps Gateway API kinds (by group, version, kind) to the
// sigs.k8s.io/gateway-api Go type of the whole object.
var gatewayAPITypes = map[schema.GroupVersionKind]func() any{
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "Gateway"}:      func() any { return &gwv1.Gateway{} },
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "GatewayClass"}: func() any { return &gwv1.GatewayClass{} },
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "HTTPRoute"}:    func() any { return &gwv1.HTTPRoute{} },
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "GRPCRoute"}:    func() any { return &gwv1.GRPCRoute{} },
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "TLSRoute"}:     func() any { return &gwv1.TLSRoute{} },
	{Group: "gateway.networking.k8s.io", Version: "v1", Kind: "ListenerSet"}:  func() any { return &gwv1.ListenerSet{} },
}

// topLevelFields are the fields a custom resource may have at its root.
var topLevelFields = map[string]bool{"apiVersion": true, "kind": true, "metadata": true, "spec": true, "status": true}

// typedCheck runs layer 1 on o. It returns whether a typed check applies to
// o's kind and what it found.
func typedCheck(o *Object, gvk schema.GroupVersionKind) (bool, []Problem) {
	if newMsg, ok := istioTypes[gvk.GroupKind()]; ok {
		return true, istioTyped(o, newMsg())
	}
	if newObj, ok := gatewayAPITypes[gvk]; ok {
		return true, gatewayTyped(o, newObj())
	}
	if gvk == namespaceGVK {
		return true, namespaceTyped(o)
	}
	return false, nil
}

func istioTyped(o *Object, msg proto.Message) []Problem {
	src := "istio.io/api " + string(msg.ProtoReflect().Descriptor().FullName())
	prob := func(path, format string, args ...any) Problem {
		return Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: src, Path: path, Message: fmt.Sprintf(format, args...)}
	}
	var probs []Problem
	var keys []string
	for k := range o.Map {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !topLevelFields[k] {
			probs = append(probs, prob(k, "unknown top-level field %q (a custom resource has only apiVersion, kind, metadata, spec, status)", k))
		}
	}
	var raw struct {
		Metadata json.RawMessage `json:"metadata"`
		Spec     json.RawMessage `json:"spec"`
	}
	if _, err := sigsjson.UnmarshalStrict(o.JSON, &raw, sigsjson.DisallowDuplicateFields); err != nil {
		return append(probs, prob("", "%v", err))
	}
	probs = append(probs, objectMetaStrict(o, raw.Metadata, src)...)
	if len(raw.Spec) == 0 || string(raw.Spec) == "null" {
		return probs
	}
	// Strict protojson: unknown fields are errors (DiscardUnknown false), enum
	// names must exist, types must match. This is the decode the Istio
	// control plane does on the spec, without the lenient paths.
	opts := protojson.UnmarshalOptions{DiscardUnknown: false}
	if err := opts.Unmarshal(raw.Spec, msg); err != nil {
		probs = append(probs, prob("spec", "protojson: %s", protoErr(err)))
	}
	return probs
}

// protoErr strips protojson's unstable prefix ("proto:\u00a0") from err.
func protoErr(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "proto:")
	s = strings.TrimLeft(s, " \u00a0")
	return s
}

func objectMetaStrict(o *Object, metaJSON json.RawMessage, src string) []Problem {
	if len(metaJSON) == 0 || string(metaJSON) == "null" {
		return []Problem{{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: src, Path: "metadata", Message: "metadata is missing"}}
	}
	var om metav1.ObjectMeta
	strictErrs, err := sigsjson.UnmarshalStrict(metaJSON, &om, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return []Problem{{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: "metav1.ObjectMeta", Path: "metadata", Message: err.Error()}}
	}
	var probs []Problem
	for _, e := range strictErrs {
		probs = append(probs, Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: "metav1.ObjectMeta", Path: "metadata", Message: e.Error()})
	}
	return probs
}

func gatewayTyped(o *Object, into any) []Problem {
	src := fmt.Sprintf("sigs.k8s.io/gateway-api %T", into)
	// sigs.k8s.io/json strict decode: what the API server's strict field
	// validation uses for built-in types: unknown fields
	// (DisallowUnknownFields), duplicate fields, and case-sensitive names.
	strictErrs, err := sigsjson.UnmarshalStrict(o.JSON, into, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return []Problem{{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: src, Message: err.Error()}}
	}
	var probs []Problem
	for _, e := range strictErrs {
		probs = append(probs, Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: src, Message: e.Error()})
	}
	return probs
}

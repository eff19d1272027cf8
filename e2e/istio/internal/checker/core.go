package checker

import (
	corev1 "k8s.io/api/core/v1"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	sigsjson "sigs.k8s.io/json"
)

// namespaceGVK is the core v1 Namespace, which the function's istio profile
// generates for the egress namespaces.
var namespaceGVK = schema.GroupVersionKind{Version: "v1", Kind: "Namespace"}

// namespaceTyped checks a v1 Namespace as the API server would on create:
// a strict decode into k8s.io/api core/v1 Namespace (unknown, duplicate and
// mis-cased fields rejected) and the ObjectMeta rules of a cluster-scoped
// object whose name is a DNS label (no metadata.namespace; valid label and
// annotation keys and values).
func namespaceTyped(o *Object) []Problem {
	const src = "k8s.io/api core/v1 Namespace"
	prob := func(path, msg string) Problem {
		return Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerTyped, Source: src, Path: path, Message: msg}
	}
	var ns corev1.Namespace
	strictErrs, err := sigsjson.UnmarshalStrict(o.JSON, &ns, sigsjson.DisallowDuplicateFields, sigsjson.DisallowUnknownFields)
	if err != nil {
		return []Problem{prob("", err.Error())}
	}
	var probs []Problem
	for _, e := range strictErrs {
		probs = append(probs, prob("", e.Error()))
	}
	for _, e := range metavalidation.ValidateObjectMeta(&ns.ObjectMeta, false, metavalidation.ValidateNamespaceName, field.NewPath("metadata")) {
		probs = append(probs, prob(e.Field, e.Error()))
	}
	return probs
}

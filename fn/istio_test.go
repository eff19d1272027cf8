package fn

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	_ "istio.io/api/networking/v1" // registers the networking types kinds.All names
	_ "istio.io/api/security/v1"   // registers the security types
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
)

// strictSpec decodes an object's spec into the istio.io/api type its entry
// in kinds.All names, with protojson, rejecting unknown fields.
// (Decoding into the Go structs with a YAML or JSON library would silently
// drop unknown fields.) An object of an unregistered kind is an error; a
// registered kind without an istio.io/api type (NoProto) is checked by
// make e2e-istio and returns nil here.
func strictSpec(obj map[string]any) error {
	k, ok := kinds.Lookup(fmt.Sprint(obj["apiVersion"]), fmt.Sprint(obj["kind"]))
	if !ok {
		return fmt.Errorf("%s %s is not a kind in kinds.All", obj["apiVersion"], obj["kind"])
	}
	if k.Proto == "" {
		return nil
	}
	msg, err := protoMessage(k)
	if err != nil {
		return err
	}
	b, err := json.Marshal(obj["spec"])
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(b, msg); err != nil {
		return fmt.Errorf("%s spec does not decode strictly into %s: %w", obj["kind"], k.Proto, err)
	}
	return nil
}

// protoMessage makes an empty message of the kind's istio.io/api type,
// found by name among the types the istio.io/api imports above register.
func protoMessage(k kinds.Kind) (proto.Message, error) {
	mt, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(k.Proto))
	if err != nil {
		return nil, fmt.Errorf("%s %s: istio.io/api type %q: %w", k.APIVersion(), k.Kind, k.Proto, err)
	}
	return mt.New().Interface(), nil
}

// Every registered kind names an istio.io/api type that exists (or says
// why it has none).
func TestKindRegistryNamesIstioTypes(t *testing.T) {
	for _, k := range kinds.All {
		if k.Proto == "" {
			assert.NotEmpty(t, k.NoProto, "%s %s", k.APIVersion(), k.Kind)
			continue
		}
		_, err := protoMessage(k)
		assert.NoError(t, err)
	}
}

// metaProblems lists what Kubernetes would reject in an object's metadata.
func metaProblems(obj map[string]any) []string {
	var out []string
	md, _ := obj["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	ns, _ := md["namespace"].(string)
	for _, e := range validation.IsDNS1123Subdomain(name) {
		out = append(out, "name "+name+": "+e)
	}
	if obj["apiVersion"] == "networking.istio.io/v1" && obj["kind"] == "Gateway" {
		// istiod: Gateway names are DNS labels (VirtualServices refer to them).
		for _, e := range validation.IsDNS1123Label(name) {
			out = append(out, "Gateway name "+name+": "+e)
		}
	}
	if obj["apiVersion"] == "v1" && obj["kind"] == "Namespace" {
		// Cluster-scoped, and its name is a DNS label.
		if ns != "" {
			out = append(out, "a Namespace has no metadata.namespace, got "+ns)
		}
		for _, e := range validation.IsDNS1123Label(name) {
			out = append(out, "Namespace name "+name+": "+e)
		}
		if obj["spec"] != nil {
			out = append(out, fmt.Sprintf("Namespace spec must be absent or {}, got %v", obj["spec"]))
		}
	} else {
		for _, e := range validation.IsDNS1123Label(ns) {
			out = append(out, "namespace "+ns+": "+e)
		}
	}
	labels, _ := md["labels"].(map[string]any)
	for k, v := range labels {
		for _, e := range validation.IsQualifiedName(k) {
			out = append(out, "label key "+k+": "+e)
		}
		for _, e := range validation.IsValidLabelValue(fmt.Sprint(v)) {
			out = append(out, "label value "+fmt.Sprint(v)+": "+e)
		}
	}
	annotations, _ := md["annotations"].(map[string]any)
	for k := range annotations {
		for _, e := range validation.IsQualifiedName(strings.ToLower(k)) {
			out = append(out, "annotation key "+k+": "+e)
		}
	}
	return out
}

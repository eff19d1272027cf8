package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	networking "istio.io/api/networking/v1"
	security "istio.io/api/security/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

// strictSpec decodes an object's spec into its istio.io/api type with
// protojson, rejecting unknown fields. (Decoding into the Go structs with
// a YAML or JSON library would silently drop unknown fields.) Objects that
// are not Istio kinds return nil.
func strictSpec(obj map[string]any) error {
	group, _, _ := strings.Cut(fmt.Sprint(obj["apiVersion"]), "/")
	var msg proto.Message
	switch {
	case group == "networking.istio.io" && obj["kind"] == "ServiceEntry":
		msg = &networking.ServiceEntry{}
	case group == "networking.istio.io" && obj["kind"] == "Gateway":
		msg = &networking.Gateway{}
	case group == "networking.istio.io" && obj["kind"] == "VirtualService":
		msg = &networking.VirtualService{}
	case group == "networking.istio.io" && obj["kind"] == "Sidecar":
		msg = &networking.Sidecar{}
	case group == "security.istio.io" && obj["kind"] == "AuthorizationPolicy":
		msg = &security.AuthorizationPolicy{}
	default:
		return nil
	}
	b, err := json.Marshal(obj["spec"])
	if err != nil {
		return err
	}
	if err := (protojson.UnmarshalOptions{DiscardUnknown: false}).Unmarshal(b, msg); err != nil {
		return fmt.Errorf("%s spec does not decode strictly into %T: %w", obj["kind"], msg, err)
	}
	return nil
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
	for _, e := range validation.IsDNS1123Label(ns) {
		out = append(out, "namespace "+ns+": "+e)
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

package render_test

import (
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/plan"
	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// A sidecar Package asking for HTTP to one host: its own ServiceEntry and
// namespace-wide Sidecar, and the shared Gateway, VirtualService and
// ServiceEntry in the egress gateway namespace.
func Example_sidecar() {
	var doc yaml.Node
	_ = yaml.Unmarshal([]byte(`
apiVersion: uds.dev/v1alpha1
kind: Package
metadata: {name: docs, namespace: docs}
spec:
  network:
    serviceMesh: {mode: sidecar}
    allow:
    - {direction: Egress, remoteHost: example.com, remoteProtocol: HTTP}
`), &doc)
	pkg, _ := schemas.DecodePackage(doc.Content[0], &diag.Ref{})
	settings := schemas.DefaultSettings()
	p, _ := plan.Build(plan.Input{Packages: []schemas.Subject{{Package: &pkg, Ref: &diag.Ref{}}}, Settings: settings})
	for _, obj := range render.Render(p, settings, render.Options{}) {
		os.Stdout.WriteString(obj.Kind + " " + obj.Metadata.Namespace + "/" + obj.Metadata.Name + "\n")
	}
	vs := render.Render(p, settings, render.Options{})[4]
	out, _ := yaml.Marshal(vs.Spec)
	os.Stdout.Write(out)
	// Output:
	// ServiceEntry docs/docs-egress-example-com-80-http
	// Sidecar docs/docs-egress-default
	// Gateway istio-egress-gateway/gateway-example-com
	// ServiceEntry istio-egress-gateway/service-entry-example-com
	// VirtualService istio-egress-gateway/egress-vs-example-com
	// exportTo:
	//     - .
	//     - docs
	// gateways:
	//     - mesh
	//     - gateway-example-com
	// hosts:
	//     - example.com
	// http:
	//     - match:
	//         - gateways:
	//             - mesh
	//           port: 80
	//       route:
	//         - destination:
	//             host: egressgateway.istio-egress-gateway.svc.cluster.local
	//             port:
	//                 number: 80
	//     - match:
	//         - gateways:
	//             - gateway-example-com
	//           port: 80
	//       route:
	//         - destination:
	//             host: example.com
	//             port:
	//                 number: 80
}

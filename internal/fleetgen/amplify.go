package fleetgen

import (
	"bytes"
	"fmt"
	"strings"
)

// Amplification is one tenant's Package of about size bytes whose output
// is hundreds of times its input: half of its bytes are
// remoteGenerated: Anywhere entries, each with its own serviceAccount (each
// joins every host's rules on every port), the rest hosts with a list of
// 20 ports each. Every host's AuthorizationPolicy then lists every
// participant in each of its 20 rules: at 50 KB about 210 hosts x 20 ports
// x 190 principals, some 45 MB of YAML, with every object under the 1 MiB
// limit. It is the input the memory bound must hold for: what the output
// costs is the tenant's to choose.
func Amplification(size int) []byte {
	var b bytes.Buffer
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	b.WriteString("- apiVersion: uds.dev/v1alpha1\n  kind: Package\n  metadata:\n    name: tenant\n    namespace: tenant\n  spec:\n    network:\n      serviceMesh:\n        mode: ambient\n      allow:\n")
	ports := make([]string, 20)
	for i := range ports {
		ports[i] = fmt.Sprint(8000 + i)
	}
	portList := strings.Join(ports, ", ")
	head := b.Len()
	for i := 0; b.Len()-head < size/2; i++ {
		fmt.Fprintf(&b, "      - {direction: Egress, remoteGenerated: Anywhere, serviceAccount: participant-%d, description: participant %d of many}\n", i, i)
	}
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "      - {direction: Egress, remoteHost: api-%d.vendor.example, remoteProtocol: TLS, ports: [%s], description: host %d of many}\n", i, portList, i)
	}
	return b.Bytes()
}

// Package fleetgen generates a synthetic fleet of UDS Packages with a fixed
// seed, for benchmarks and scale tests: about 3 allow entries per Package,
// hosts drawn from a pool so hosts are shared, both service mesh modes, a
// fixed number of Anywhere participants, and some pass-through objects. The
// same parameters always give the same bytes. cmd bench/fleet writes it to
// stdout; the Go benchmarks build it in memory with Bytes or Input.
package fleetgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// DefaultParticipants is the number of Anywhere participants of a fleet.
const DefaultParticipants = 20

// Pool is the default size of the host pool for n Packages: n/10, at
// least 20.
func Pool(n int) int { return max(20, n/10) }

// Write emits the fleet. Hosts are drawn from the pool; each host has a
// fixed protocol per port so the fleet is conflict-free. Anywhere
// participants are a fixed number (every host's AuthorizationPolicy lists
// each of them, so the output grows with hosts x participants; real fleets
// have a handful).
func Write(out io.Writer, n, pool, participants int, seed int64) error {
	return Shape{Packages: n, Pool: pool, Participants: participants, Seed: seed}.Write(out)
}

// Shape is the parameters of a fleet.
type Shape struct {
	Packages, Pool int
	// Participants: the first Participants ambient Packages also carry a
	// remoteGenerated: Anywhere entry.
	Participants int
	// AnywherePercent: besides those, each other ambient Package carries
	// one with this probability (in percent), drawn from a second random
	// stream so that the rest of the fleet stays the same bytes. Every
	// host's AuthorizationPolicy lists every participant, as the UDS
	// operator does, so the output grows with hosts x participants.
	AnywherePercent int
	Seed            int64
}

// AnywhereHeavy is the fleet of n Packages where 5% of the ambient Packages
// add a remoteGenerated: Anywhere participant (and no fixed ones): the
// output is about 5-7 times the input at 5,000-10,000 Packages.
func AnywhereHeavy(n int, seed int64) Shape {
	return Shape{Packages: n, Pool: Pool(n), AnywherePercent: 5, Seed: seed}
}

// Write emits the fleet of the shape.
func (s Shape) Write(out io.Writer) error {
	n, pool, participants := s.Packages, s.Pool, s.Participants
	w, ok := out.(*bufio.Writer)
	if !ok {
		w = bufio.NewWriterSize(out, 1<<20)
	}
	rng := rand.New(rand.NewSource(s.Seed))
	anywhere := rand.New(rand.NewSource(s.Seed + 1))
	fmt.Fprintln(w, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:")
	for i := 0; i < n; i++ {
		mode := schemas.ModeAmbient
		if rng.Intn(4) == 0 {
			mode = schemas.ModeSidecar
		}
		fmt.Fprintf(w, "- apiVersion: uds.dev/v1alpha1\n  kind: Package\n  metadata:\n    name: app-%d\n    namespace: team-%d\n    generation: %d\n", i, i, 1+rng.Intn(5))
		fmt.Fprintf(w, "  spec:\n    network:\n      serviceMesh:\n        mode: %s\n      allow:\n", mode)
		entries := 1 + rng.Intn(5) // 3 on average
		if mode == schemas.ModeAmbient && participants > 0 {
			participants--
			fmt.Fprintf(w, "      - direction: Egress\n        remoteGenerated: Anywhere\n        description: anywhere\n")
			if rng.Intn(2) == 0 {
				fmt.Fprintf(w, "        port: 443\n")
			}
		} else if mode == schemas.ModeAmbient && s.AnywherePercent > 0 && anywhere.Intn(100) < s.AnywherePercent {
			fmt.Fprintf(w, "      - direction: Egress\n        remoteGenerated: Anywhere\n        description: anywhere\n        serviceAccount: sa-%c\n", 'a'+anywhere.Intn(3))
			if anywhere.Intn(2) == 0 {
				fmt.Fprintf(w, "        port: 443\n")
			}
		}
		for j := 0; j < entries; j++ {
			h := rng.Intn(pool)
			port, proto := 443, "TLS"
			switch h % 5 {
			case 3:
				port, proto = 8443, "TLS"
			case 4:
				port, proto = 80, "HTTP"
			}
			fmt.Fprintf(w, "      - direction: Egress\n        selector:\n          app: app-%d-%c\n", i, 'a'+rng.Intn(3))
			fmt.Fprintf(w, "        remoteHost: svc-%d.example-%d.com\n        remoteProtocol: %s\n        port: %d\n", h, h%97, proto, port)
			if mode == schemas.ModeAmbient && rng.Intn(2) == 0 {
				fmt.Fprintf(w, "        serviceAccount: sa-%c\n", 'a'+rng.Intn(3))
			}
			fmt.Fprintf(w, "        description: egress %c\n", 'a'+j)
		}
		if i%10 == 0 {
			fmt.Fprintf(w, "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: settings-%d # pass-through\n    namespace: team-%d\n  data:\n    key: value\n", i, i)
		}
	}
	return w.Flush()
}

// Bytes returns the fleet of n Packages with the default pool and
// participants, as `fleet -n N -seed SEED` writes it.
func Bytes(n int, seed int64) []byte {
	return Shape{Packages: n, Pool: Pool(n), Participants: DefaultParticipants, Seed: seed}.Bytes()
}

// Bytes returns the fleet of the shape.
func (s Shape) Bytes() []byte {
	var b bytes.Buffer
	if err := s.Write(&b); err != nil {
		panic(err) // a bytes.Buffer does not fail
	}
	return b.Bytes()
}

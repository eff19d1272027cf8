// Command fleet writes a ResourceList of N UDS Packages with a fixed seed,
// for benchmarks and scale tests: about 3 allow entries per Package, hosts
// drawn from a pool so hosts are shared, both service mesh modes, Anywhere
// participants, and some pass-through objects. The same flags always give
// the same bytes. The generator itself is package internal/fleetgen.
//
//	go run ./bench/fleet -n 10000 -seed 1 > fleet.yaml
//	go run ./bench/fleet -n 10000 -participants 0 -anywhere-percent 5 > anywhere-heavy.yaml
//	go run ./bench/fleet -amplification 50000 > tenant.yaml
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"

	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

func main() {
	n := flag.Int("n", 1000, "number of Packages")
	seed := flag.Int64("seed", 1, "random seed")
	hosts := flag.Int("hosts", 0, "size of the host pool (default n/10, at least 20)")
	participants := flag.Int("participants", fleetgen.DefaultParticipants, "ambient Packages that also carry a remoteGenerated: Anywhere entry")
	anywhere := flag.Int("anywhere-percent", 0, "each other ambient Package also carries a remoteGenerated: Anywhere entry with this probability (5: the Anywhere-heavy fleet of `make bench`, with -participants 0)")
	amplification := flag.Int("amplification", 0, "write instead one tenant's Package of about this many bytes whose output is hundreds of times its size")
	flag.Parse()
	if *amplification > 0 {
		if _, err := os.Stdout.Write(fleetgen.Amplification(*amplification)); err != nil {
			fmt.Fprintln(os.Stderr, "fleet:", err)
			os.Exit(1)
		}
		return
	}
	pool := *hosts
	if pool == 0 {
		pool = fleetgen.Pool(*n)
	}
	shape := fleetgen.Shape{Packages: *n, Pool: pool, Participants: *participants, AnywherePercent: *anywhere, Seed: *seed}
	if err := shape.Write(bufio.NewWriterSize(os.Stdout, 1<<20)); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

// Command fleet writes a ResourceList of N UDS Packages with a fixed seed,
// for benchmarks and scale tests: about 3 allow entries per Package, hosts
// drawn from a pool so hosts are shared, both service mesh modes, Anywhere
// participants, and some pass-through objects. The same flags always give
// the same bytes. The generator itself is package internal/fleetgen.
//
//	go run ./bench/fleet -n 10000 -seed 1 > fleet.yaml
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
	flag.Parse()
	pool := *hosts
	if pool == 0 {
		pool = fleetgen.Pool(*n)
	}
	if err := fleetgen.Write(bufio.NewWriterSize(os.Stdout, 1<<20), *n, pool, *participants, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "fleet:", err)
		os.Exit(1)
	}
}

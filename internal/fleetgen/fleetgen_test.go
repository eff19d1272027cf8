package fleetgen

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// The fleet is a fixed input for benchmarks and for figures on the
// performance page: the same parameters must give the same bytes.
func TestFleetIsStable(t *testing.T) {
	sum := sha256.Sum256(Bytes(1000, 1))
	if got, want := hex.EncodeToString(sum[:]), "aef2b1c09854080225e8111509d387ecf26ae9a8c2543a15ca98164e955cf60c"; got != want {
		t.Fatalf("fleet of 1000 Packages, seed 1: sha256 %s, want %s (bench/fleet output changed)", got, want)
	}
}

func TestInputAdmitsEveryPackage(t *testing.T) {
	in, err := Input(200, 1)
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]int{}
	anywhere := 0
	for _, a := range in.Packages {
		modes[a.Package.Mode()]++
		for _, e := range a.Package.AllowEntries() {
			if e.RemoteGenerated == schemas.RemoteAnywhere {
				anywhere++
			}
		}
	}
	if modes[schemas.ModeAmbient] == 0 || modes[schemas.ModeSidecar] == 0 {
		t.Errorf("modes %v: the fleet needs both", modes)
	}
	if anywhere != DefaultParticipants {
		t.Errorf("%d Anywhere participants, want %d", anywhere, DefaultParticipants)
	}
}

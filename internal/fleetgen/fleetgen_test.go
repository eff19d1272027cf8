package fleetgen

import (
	"bytes"
	"regexp"

	"crypto/sha256"
	"encoding/hex"
	"go.yaml.in/yaml/v3"
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

// The Anywhere-heavy fleet is the default fleet's Packages with 5% of the
// ambient ones carrying a participant: its output is several times its
// input.
func TestAnywhereHeavy(t *testing.T) {
	data := AnywhereHeavy(2000, 1).Bytes()
	base := Shape{Packages: 2000, Pool: Pool(2000), Seed: 1}.Bytes()
	ambient := bytes.Count(base, []byte("mode: ambient"))
	participants := bytes.Count(data, []byte("remoteGenerated: Anywhere"))
	if participants < ambient*3/100 || participants > ambient*7/100 {
		t.Errorf("%d participants among %d ambient Packages, want about 5%%", participants, ambient)
	}
	// Without its Anywhere entries it is the fleet without participants.
	stripped := regexp.MustCompile(`(?m)^      - direction: Egress\n        remoteGenerated: Anywhere\n        description: anywhere\n        serviceAccount: sa-.\n(        port: 443\n)?`).ReplaceAll(data, nil)
	if !bytes.Equal(stripped, base) {
		t.Error("the Anywhere-heavy fleet is not the plain fleet plus Anywhere entries")
	}
}

func TestAmplification(t *testing.T) {
	data := Amplification(50000)
	if len(data) < 50000 || len(data) > 50300 {
		t.Errorf("%d bytes, want about 50,000", len(data))
	}
	var doc struct {
		Items []struct {
			Kind string
			Spec struct {
				Network struct{ Allow []map[string]any }
			}
		}
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Items) != 1 || doc.Items[0].Kind != "Package" {
		t.Fatalf("want one Package, got %+v", doc.Items)
	}
	hosts, anywhere := 0, 0
	for _, e := range doc.Items[0].Spec.Network.Allow {
		if e["remoteHost"] != nil {
			hosts++
		} else if e["remoteGenerated"] == "Anywhere" {
			anywhere++
		}
	}
	if hosts < 90 || anywhere < 180 {
		t.Errorf("%d hosts and %d participants: the output would not be hundreds of times the input", hosts, anywhere)
	}
}

package xds

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loadEffectCases reads the hand-written cases of testdata/effect: each file
// is a stream of Istio objects given directly (no Packages: the model reads
// them as an effect-only input) and the Namespaces of the identities, whose
// labels give their mode (istio-injection: enabled is sidecar,
// istio.io/dataplane-mode: ambient is ambient).
func loadEffectCases(t *testing.T) []*tcase {
	files, err := filepath.Glob("testdata/effect/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no hand-written effect case in testdata/effect")
	}
	var out []*tcase
	for _, f := range files {
		docs, rerr := readDocs(f)
		if rerr != nil {
			t.Fatal(rerr)
		}
		c := &tcase{name: "effect/" + strings.TrimSuffix(filepath.Base(f), ".yaml"), dir: filepath.Dir(f), cfg: defaultConfig(),
			objectsOnly: true, modes: map[string]string{}}
		for _, o := range docs {
			switch {
			case str(o, "kind") == "Namespace" && str(o, "apiVersion") == "v1":
				ns := str(o, "metadata", "name")
				switch {
				case str(o, "metadata", "labels", "istio-injection") == "enabled":
					c.modes[ns] = modeSidecar
				case str(o, "metadata", "labels", "istio.io/dataplane-mode") == modeAmbient:
					c.modes[ns] = modeAmbient
				default:
					t.Fatalf("%s: Namespace %s has no mode label", f, ns)
				}
			case meshGroups[group(o)]:
				c.istio = append(c.istio, o)
			default:
				t.Fatalf("%s: %s %s is neither a Namespace nor an Istio object", f, str(o, "kind"), str(o, "metadata", "name"))
			}
		}
		out = append(out, c)
	}
	return out
}

// fleetSamples are the property fleets the suite samples: bench/fleet's
// generator (internal/fleetgen) with a small host pool so Packages share
// hosts, in both sidecar scopes. Both modes come from the generator (a
// quarter of the Packages are sidecar).
var fleetSamples = []struct {
	seed  int
	scope string
}{{1, "namespace"}, {2, "namespace"}, {3, "workload"}, {4, "workload"}}

// sampleFleets renders each sample with the function binary and loads it
// as a case (input, output, functionConfig), as a golden case is.
func sampleFleets(t *testing.T, dir string) []*tcase {
	gen := filepath.Join(dir, "fleet")
	build := exec.Command("go", "build", "-o", gen, "./bench/fleet")
	build.Dir = repoRoot(t)
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local", "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building bench/fleet: %v\n%s", err, out)
	}
	var out []*tcase
	for _, s := range fleetSamples {
		name := fmt.Sprintf("fleet-seed%d-%s", s.seed, s.scope)
		cdir := filepath.Join(dir, name)
		if err := os.MkdirAll(cdir, 0o755); err != nil {
			t.Fatal(err)
		}
		input, err := exec.Command(gen, "-n", "6", "-hosts", "5", "-participants", "1", "-seed", fmt.Sprint(s.seed)).Output()
		if err != nil {
			t.Fatalf("bench/fleet: %v", err)
		}
		config := "apiVersion: fn.uds-egress.dev/v1alpha1\nkind: EgressConfig\nmetadata:\n  name: egress\nspec:\n  sidecarScope: " + s.scope + "\n"
		var indented strings.Builder
		for _, l := range strings.Split(strings.TrimSuffix(config, "\n"), "\n") {
			indented.WriteString("  " + l + "\n")
		}
		input = append(input, []byte("functionConfig:\n"+indented.String())...)
		run := exec.Command(functionBin(t))
		run.Stdin = bytes.NewReader(input)
		var stderr bytes.Buffer
		run.Stderr = &stderr
		output, err := run.Output()
		if err != nil {
			t.Fatalf("uds-egress-fn on fleet %s: %v\n%s", name, err, stderr.String())
		}
		for f, b := range map[string][]byte{"input.yaml": input, "expected.yaml": output, "config.yaml": []byte(config)} {
			if werr := os.WriteFile(filepath.Join(cdir, f), b, 0o644); werr != nil {
				t.Fatal(werr)
			}
		}
		c, err := loadCase(cdir)
		if err != nil {
			t.Fatal(err)
		}
		c.name = "fleet/" + name
		out = append(out, c)
	}
	return out
}

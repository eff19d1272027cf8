package fn

import (
	"bytes"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
)

// TestDirectEncoderMatchesYAMLv3: the output written with the direct
// encoder (internal/krmio/direct.go) is byte-identical to the output
// written with yaml.v3 alone, over every golden, reference and bad-input
// case, the property fleets and the benchmark shapes; and over the goldens
// the direct encoder writes every generated object and result itself.
func TestDirectEncoderMatchesYAMLv3(t *testing.T) {
	compare := func(t *testing.T, name string, in []byte) {
		t.Helper()
		var direct, reference bytes.Buffer
		codeDirect := Run(bytes.NewReader(in), &direct, io.Discard)
		restore := krmio.SetDirectEncoding(false)
		codeRef := Run(bytes.NewReader(in), &reference, io.Discard)
		restore()
		require.Equal(t, codeRef, codeDirect, "%s: exit code", name)
		if !bytes.Equal(direct.Bytes(), reference.Bytes()) {
			assert.Equal(t, reference.String(), direct.String(), "%s: the direct encoder's output differs from yaml.v3's", name)
		}
	}
	var inputs []struct {
		name string
		in   []byte
	}
	add := func(name string, in []byte) {
		inputs = append(inputs, struct {
			name string
			in   []byte
		}{name, in})
	}
	goldens, err := filepath.Glob("testdata/golden/*")
	require.NoError(t, err)
	require.NotEmpty(t, goldens)
	before := krmio.DirectFallbacks()
	for _, dir := range goldens {
		compare(t, dir, goldenInput(t, dir))
	}
	assert.Equal(t, before, krmio.DirectFallbacks(), "the direct encoder left values of the goldens to yaml.v3")
	refs, err := filepath.Glob("testdata/reference/*/input.yaml")
	require.NoError(t, err)
	for _, f := range refs {
		in, err := os.ReadFile(f)
		require.NoError(t, err)
		add(f, in)
	}
	for i, tc := range badInputCases() {
		in, _, _ := badInput(i, tc)
		add("bad input: "+tc.name, []byte(in))
	}
	for seed := int64(0); seed < int64(envInt("PROPERTY_FLEETS", 200)); seed++ {
		rng := rand.New(rand.NewSource(seed))
		add(fmt.Sprintf("property fleet %d", seed), []byte(fleetInput(randomFleet(rng, seed%2 == 0))))
	}
	add("fleet of 300 Packages", fleetgen.Bytes(300, 1))
	add("Anywhere-heavy fleet of 300 Packages", fleetgen.AnywhereHeavy(300, 1).Bytes())
	add("amplification, 20 KB", fleetgen.Amplification(20000))
	for _, c := range inputs {
		compare(t, c.name, c.in)
	}
}

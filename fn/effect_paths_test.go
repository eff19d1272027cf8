package fn

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/effect"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
)

// TestRenderedMatchesYAML: the effect model reads the objects the function
// generates in their typed form (internal/effect addRendered) to spare a
// YAML round trip; that must give exactly the model the YAML gives (what a
// dump or a rendered directory is read as), on every golden and reference
// output. A field added to a generated kind and not to the typed path
// fails here.
func TestRenderedMatchesYAML(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "golden", "*"))
	require.NoError(t, err)
	refs, err := filepath.Glob(filepath.Join("testdata", "reference", "*"))
	require.NoError(t, err)
	for _, dir := range append(dirs, refs...) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			rl, err := krmio.Read(bytes.NewReader(goldenInput(t, dir)))
			require.NoError(t, err)
			out := Process(rl)
			typed := effect.NewFromBoth(func(_ func(*yaml.Node), add func(render.Object)) {
				for o := range out.Objects {
					add(o)
				}
			}, effect.Options{})
			viaYAML := effect.NewFrom(func(add func(*yaml.Node)) {
				for o := range out.Objects {
					var n yaml.Node
					require.NoError(t, n.Encode(o))
					add(&n)
				}
			}, effect.Options{})
			assert.Equal(t, viaYAML.String(), typed.String())
		})
	}
}

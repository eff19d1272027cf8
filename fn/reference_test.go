package fn

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestReferenceCases checks the generated objects against the worked cases
// of ../shared/reference (copied to testdata/reference), which pin the exact
// shapes the UDS operator produces. The only difference allowed is the
// app.kubernetes.io/managed-by label this function adds for idempotence.
func TestReferenceCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/reference/*")
	require.NoError(t, err)
	require.Len(t, dirs, 4)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
			require.NoError(t, err)
			var out bytes.Buffer
			require.Equal(t, 0, Run(bytes.NewReader(in), &out, io.Discard))

			var rl map[string]any
			require.NoError(t, yaml.Unmarshal(out.Bytes(), &rl))
			got := map[string]any{}
			for _, item := range rl["items"].([]any) {
				obj := item.(map[string]any)
				labels, _ := obj["metadata"].(map[string]any)["labels"].(map[string]any)
				if labels["app.kubernetes.io/managed-by"] != "uds-egress-fn" {
					continue
				}
				delete(labels, "app.kubernetes.io/managed-by")
				got[objectKey(obj)] = obj
			}

			want := map[string]any{}
			expected, err := os.ReadFile(filepath.Join(dir, "expected.yaml"))
			require.NoError(t, err)
			dec := yaml.NewDecoder(bytes.NewReader(expected))
			for {
				var obj map[string]any
				if err := dec.Decode(&obj); errors.Is(err, io.EOF) {
					break
				} else {
					require.NoError(t, err)
				}
				want[objectKey(obj)] = obj
			}
			require.NotEmpty(t, want)
			assert.Equal(t, want, got)
		})
	}
}

func objectKey(obj map[string]any) string {
	md := obj["metadata"].(map[string]any)
	return fmt.Sprintf("%s %s %s/%s", obj["apiVersion"], obj["kind"], md["namespace"], md["name"])
}

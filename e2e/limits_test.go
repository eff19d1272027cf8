package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
	"github.com/uds-egress-fn/uds-egress-fn/internal/gctrace"
)

// Resource limits of the real binary: a 100 MB input of 125,000 Packages
// finishes within a memory bound proportional to its size, and an input
// over the 256 MiB cap is refused with a coded result instead of being
// read. Memory is measured, never time.
//
// The input and output go through files, not this process's memory: on
// Linux a child's peak RSS includes the test process's own until exec, so
// the test process must stay small.

// maxRSSPerInputByte and rssFloor are the bound the README states: peak
// memory stays under 64 MiB plus 25 times the input size (about 18 times
// measured on large inputs; the Go runtime and the SDK need about 20 MiB
// for any input).
const (
	maxRSSPerInputByte = 25
	rssFloor           = 64 << 20
	// smallRSSPerInputByte is issue 21's bound for the bad-input catalogue
	// and the amplification inputs: 64 MiB + 8 x input, whatever the
	// output (a 50 KB Package can ask for 20 MB of output).
	smallRSSPerInputByte = 8
)

// TestBadInputCatalogueStaysInTheMemoryBound runs the real binary on every
// input of the bad-input catalogue (package fn writes them out),
// the amplification cases included: YAML aliases across items, a ports
// list aliased by many entries, an object over 1 MiB, Anywhere
// participants times hosts, and one tenant's 20 KB and 50 KB Packages
// whose output is 460 times their size. Each must stay under 64 MiB + 8 x
// its size.
func TestBadInputCatalogueStaysInTheMemoryBound(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command("go", "test", "-count=1", "-run", "^TestBadInputCatalogueDump$", "./fn")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "BADINPUT_DUMP="+dir, "GOTOOLCHAIN=local")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "writing the catalogue: %s", out)
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	require.NoError(t, err)
	require.Greater(t, len(files), 100, "the catalogue inputs")
	// One tenant's Package whose output is hundreds of times its size
	// (internal/fleetgen.Amplification): memory must not follow the output.
	for _, size := range []int{20000, 50000} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("amplification-%d.yaml", size)), fleetgen.Amplification(size), 0o644))
	}
	files = append(files, filepath.Join(dir, "amplification-20000.yaml"), filepath.Join(dir, "amplification-50000.yaml"))
	// A child's peak RSS includes this test process's own until exec, and
	// this process has grown by the time the test runs (other tests ran in
	// it). The same binary on the smallest input shows that part; the
	// floor is raised by what it exceeds the README's 64 MiB by.
	minimal := filepath.Join(dir, "minimal.yaml.in")
	require.NoError(t, os.WriteFile(minimal, []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"), 0o644))
	_, _, _, baseline := runBinary(t, minimal)
	floor := max(int64(rssFloor), baseline+16<<20)
	t.Logf("peak RSS on an empty ResourceList, launched from this process: %d MiB; floor %d MiB", baseline>>20, floor>>20)
	var worst float64
	worstName := ""
	var total int64
	for _, f := range files {
		st, err := os.Stat(f)
		require.NoError(t, err)
		_, stderr, code, rss := runBinary(t, f)
		require.LessOrEqual(t, code, 1, "%s: %s", f, stderr)
		bound := floor + st.Size()*smallRSSPerInputByte
		assert.Less(t, rss, bound, "%s (%d bytes): peak RSS %d MiB over the bound %d MiB", filepath.Base(f), st.Size(), rss>>20, bound>>20)
		if r := float64(rss) / float64(bound); r > worst {
			worst, worstName = r, fmt.Sprintf("%s (%d KB in, %d MiB peak RSS)", filepath.Base(f), st.Size()>>10, rss>>20)
		}
		total += st.Size()
	}
	t.Logf("%d catalogue inputs (%d KB in all); closest to the bound: %s at %.0f%% of it", len(files), total>>10, worstName, 100*worst)
}

// runBinary runs the function with stdin from the file inPath and stdout to
// a file, and returns the output's path.
func runBinary(t *testing.T, inPath string) (outPath string, stderr string, code int, maxRSS int64) {
	t.Helper()
	return runBinaryEnv(t, inPath)
}

// runBinaryEnv is runBinary with env added to this process's environment.
func runBinaryEnv(t *testing.T, inPath string, env ...string) (outPath string, stderr string, code int, maxRSS int64) {
	t.Helper()
	in, err := os.Open(inPath)
	require.NoError(t, err)
	defer in.Close()
	outPath = filepath.Join(t.TempDir(), "out.yaml")
	out, err := os.Create(outPath)
	require.NoError(t, err)
	defer out.Close()
	cmd := exec.Command(fnBin)
	cmd.Env = append(os.Environ(), env...)
	var errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, out, &errOut
	err = cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return outPath, errOut.String(), code, maxRSS
}

// writeFile streams w's output into a new temporary file.
func writeFile(t *testing.T, name string, write func(io.Writer) error) (path string, size int64) {
	t.Helper()
	path = filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(t, err)
	bw := bufio.NewWriterSize(f, 1<<20)
	require.NoError(t, write(bw))
	require.NoError(t, bw.Flush())
	require.NoError(t, f.Close())
	st, err := os.Stat(path)
	require.NoError(t, err)
	return path, st.Size()
}

// heavy: the 100 MB run takes minutes on two cores, so `make test` leaves it
// to .ci/run, which sets E2E_HEAVY=1 (as it sets PROPERTY_FLEETS).
var heavy = os.Getenv("E2E_HEAVY") == "1"

func TestHundredMegabyteInput(t *testing.T) {
	if !heavy {
		t.Skip("the 100 MB input runs in .ci/run (E2E_HEAVY=1); make test skips it to stay quick")
	}
	const n = 125000
	inPath, size := writeFile(t, "fleet.yaml", func(w io.Writer) error {
		if err := fleetgen.Write(w, n, fleetgen.Pool(n), 20, 1); err != nil {
			return err
		}
		// The waypoint would list all 125,000 Packages in its annotations
		// (4 MB, object-too-large); here the waypoint is deployed elsewhere.
		_, err := io.WriteString(w, "functionConfig: {apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: c}, spec: {waypointEnabled: false}}\n")
		return err
	})
	require.Greater(t, size, int64(100<<20*95/100), "the fleet should be about 100 MB")
	outPath, stderr, code, rss := runBinary(t, inPath)
	require.Equal(t, 0, code, stderr[:min(len(stderr), 2000)])
	out, err := os.ReadFile(outPath)
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(out, []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")))
	assert.Greater(t, bytes.Count(out, []byte("kind: AuthorizationPolicy")), 1000)
	t.Logf("input %d MB, output %d MB, peak RSS %d MiB (%.1f x input)", size>>20, len(out)>>20, rss>>20, float64(rss)/float64(size))
	assert.Less(t, rss, rssFloor+size*maxRSSPerInputByte, "peak RSS over the stated bound")
}

// TestBenchFleetsStayInTheMemoryBound: the 10,000-Package fleets of make
// bench, the default one and the Anywhere-heavy one (whose output is about 5
// times its input), stay under issue 21's 64 MiB + 8 x input like the
// bad-input catalogue: the output is streamed and the decoded Packages are
// let go once planned, so memory follows the input. And they do it on
// their own: the soft memory limit (memory.go) is a backstop that never
// takes effect on them. The runtime's collection trace (GODEBUG=gctrace=1)
// shows every heap goal at twice the heap the collection before left
// live, as GOGC=100 sets it (gctrace.Held); a run with GOMEMLIMIT at 48
// MiB shows the check catches a limit that does hold the heap down. Two
// runs of the binary on 8 MB inputs take a while on two shared cores, so
// make test leaves them to .ci/run (E2E_HEAVY=1).
func TestBenchFleetsStayInTheMemoryBound(t *testing.T) {
	if !heavy {
		t.Skip("the 10k bench fleets run in .ci/run (E2E_HEAVY=1); make test skips them to stay quick")
	}
	const n = 10000
	minimal := filepath.Join(t.TempDir(), "minimal.yaml")
	require.NoError(t, os.WriteFile(minimal, []byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"), 0o644))
	_, _, _, baseline := runBinary(t, minimal)
	floor := max(int64(rssFloor), baseline+16<<20) // as in TestBadInputCatalogueStaysInTheMemoryBound
	for _, fleet := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"default", func(w io.Writer) error {
			return fleetgen.Write(w, n, fleetgen.Pool(n), fleetgen.DefaultParticipants, 1)
		}},
		{"anywhere-heavy", fleetgen.AnywhereHeavy(n, 1).Write},
	} {
		t.Run(fleet.name, func(t *testing.T) {
			inPath, size := writeFile(t, "fleet.yaml", fleet.write)
			outPath, stderr, code, rss := runBinaryEnv(t, inPath, "GODEBUG=gctrace=1")
			require.Equal(t, 0, code, stderr[:min(len(stderr), 2000)])
			st, err := os.Stat(outPath)
			require.NoError(t, err)
			bound := floor + size*smallRSSPerInputByte
			cycles := gctrace.Parse([]byte(stderr))
			t.Logf("input %d KB, output %d KB, peak RSS %d MiB of the bound %d MiB, %d collections", size>>10, st.Size()>>10, rss>>20, bound>>20, len(cycles))
			assert.Greater(t, st.Size(), 3*size, "the fleet's output is several times its input")
			assert.Less(t, rss, bound, "peak RSS over 64 MiB + 8 x input")
			require.Greater(t, len(cycles), 5, "the collection trace (GODEBUG=gctrace=1) on stderr")
			assert.Empty(t, gctrace.Held(cycles), "the soft memory limit held heap goals down: it is meant as a backstop that never takes effect on the bench fleets")
			if fleet.name == "default" {
				// The check can fail: a limit below the fleet's needs holds
				// goals down, and Held sees it.
				_, stderr, code, _ := runBinaryEnv(t, inPath, "GODEBUG=gctrace=1", "GOMEMLIMIT=48MiB")
				require.Equal(t, 0, code)
				assert.NotEmpty(t, gctrace.Held(gctrace.Parse([]byte(stderr))), "GOMEMLIMIT=48MiB holds the heap down")
			}
		})
	}
}

func TestInputOverTheCapIsRefused(t *testing.T) {
	// 257 MiB of a valid ResourceList prefix followed by comment lines.
	inPath, _ := writeFile(t, "big.yaml", func(w io.Writer) error {
		head := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
		line := "# " + strings.Repeat("x", 1021) + "\n"
		_, err := io.Copy(w, io.MultiReader(strings.NewReader(head), io.LimitReader(repeatReader(line), 257<<20)))
		return err
	})
	outPath, stderr, code, rss := runBinary(t, inPath)
	out, err := os.ReadFile(outPath)
	require.NoError(t, err)
	assert.Equal(t, 1, code)
	assert.Contains(t, string(out), "code: input-invalid")
	assert.Contains(t, stderr, "larger than 256 MiB")
	assert.Less(t, rss, int64(400<<20), "the refused input must not be held more than once")
}

type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], r)
	}
	return n, nil
}

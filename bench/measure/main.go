// Command measure is `make bench`: it builds uds-egress-fn and the SDK no-op
// baseline (bench/noop), generates the internal/fleetgen fleets, and in one run
//
//   - times both binaries end to end on the same input at each size
//     (default 1k, 10k and 50k Packages), several repetitions interleaved
//     so a change in the machine's load hits both alike: wall time, CPU time
//     (user + system) and peak RSS from the kernel's rusage of the child;
//   - runs the Go benchmarks of planning and rendering (generators/plan,
//     generators/render) and prints their growth from 1k to 10k Packages;
//   - times `uds-egress-fn report --format json` on the fleet and
//     `uds-egress-fn diff --format json` between the fleet and the fleet
//     plus one new Package (a pull request's worth of change), at the
//     -review-sizes, and checks their peak RSS against the README's memory
//     bound (25 times the input; a diff reads two inputs);
//   - times the shapes users hit (-shapes): the Anywhere-heavy fleet (5% of
//     the ambient Packages add a remoteGenerated: Anywhere participant, so
//     the output is 5-7 times the input) and one tenant's 50 KB Package
//     whose output is hundreds of times its input, each against the last
//     release before the hardening round (-release, built from git) and
//     against the SDK no-op over the same output (the no-op reading the
//     function's output: the cost of any SDK function that writes that
//     much), interleaved;
//   - prints the ratios against the targets and writes everything to
//     bench/results/latest.json (bench/plot draws docs/performance.png from
//     it).
//
// Medians throughout. The machine is recorded with the figures: on a
// shared machine wall time includes waiting for other processes, CPU time
// does not, so both are kept.
//
//	go run ./bench/measure [-sizes 1000,10000,50000] [-reps 5] [-out bench/results/latest.json]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
	"github.com/uds-egress-fn/uds-egress-fn/internal/gctrace"
)

// Targets of the issue.
const (
	targetTimeRatio = 1.3  // function / baseline wall time at 10k Packages
	targetRSSRatio  = 2.0  // function / baseline peak RSS
	targetGrowth    = 11.0 // plan+render time, 1k -> 10k Packages
	// targetRSSPerInput is the README's memory bound: peak RSS under 25
	// times the input size.
	targetRSSPerInput = 25.0
	// Issue 21: on the Anywhere-heavy 10k fleet, CPU and wall time at most
	// 0.2 times the SDK no-op over the same output and no more than the
	// release's; every input's peak RSS under 64 MiB + 8 x input; 100
	// Packages in 50 ms.
	targetVsNoopOutput = 0.2
	targetVsRelease    = 1.0
	rssFloorMiB        = 64.0
	rssPerInputByte    = 8.0
	target100Wall      = 0.05
)

// Results is bench/results/latest.json.
type Results struct {
	Date    string      `json:"date"`
	Commit  string      `json:"commit"`
	Machine Machine     `json:"machine"`
	Reps    int         `json:"reps"`
	Seed    int64       `json:"seed"`
	E2E     []SizeRow   `json:"e2e"`
	GoBench []GoBench   `json:"go_bench"`
	Growth  []Growth    `json:"growth_1k_10k"`
	Targets []TargetRow `json:"targets"`
	// Release is the commit the -release binary was built from.
	Release string     `json:"release,omitempty"`
	Shapes  []ShapeRow `json:"shapes,omitempty"`
}

// ShapeRow is one input shape users hit: the function, the release and the
// SDK no-op reading the function's output, interleaved.
type ShapeRow struct {
	Shape      string `json:"shape"`
	Packages   int    `json:"packages"`
	InputBytes int64  `json:"input_bytes"`
	Function   Runs   `json:"function"`
	Release    *Runs  `json:"release,omitempty"`
	NoopOutput Runs   `json:"noop_over_output"`
}

// Machine says where the figures were measured.
type Machine struct {
	CPU          string `json:"cpu"`
	Cores        int    `json:"cores"`
	MemoryGiB    int    `json:"memory_gib"`
	Go           string `json:"go"`
	OS           string `json:"os"`
	Kernel       string `json:"kernel"`
	LoadBefore   string `json:"loadavg_before"`
	LoadAfter    string `json:"loadavg_after"`
	FunctionSize int64  `json:"function_binary_bytes"`
	NoopSize     int64  `json:"baseline_binary_bytes"`
}

// SizeRow is one fleet size, end to end.
type SizeRow struct {
	Packages   int     `json:"packages"`
	InputBytes int64   `json:"input_bytes"`
	Function   Runs    `json:"function"`
	Baseline   Runs    `json:"baseline"`
	WallRatio  float64 `json:"wall_ratio"`
	CPURatio   float64 `json:"cpu_ratio"`
	RSSRatio   float64 `json:"rss_ratio"`
	// Report and Diff are the review commands on the same fleet (absent
	// at sizes outside -review-sizes).
	Report *Runs `json:"report,omitempty"`
	Diff   *Runs `json:"diff,omitempty"`
	// Release is the -release binary on the same fleet.
	Release *Runs `json:"release,omitempty"`
}

// Runs are the repetitions of one binary on one input.
type Runs struct {
	WallS       []float64 `json:"wall_s"`
	CPUS        []float64 `json:"cpu_s"`
	RSSMiB      []float64 `json:"rss_mib"`
	OutputBytes int64     `json:"output_bytes"`
	MedianWallS float64   `json:"median_wall_s"`
	MedianCPUS  float64   `json:"median_cpu_s"`
	MedianRSS   float64   `json:"median_rss_mib"`
	// Held is, for each run of the function, how many collections the
	// soft memory limit held below GOGC's goal (internal/gctrace): 0
	// when it never took effect. Absent for the other binaries.
	Held []int `json:"memory_limit_held,omitempty"`
}

// GoBench is one Go benchmark, medians over -count runs.
type GoBench struct {
	Name     string  `json:"name"`
	Packages int     `json:"packages"`
	NsOp     float64 `json:"ns_op"`
	CPUNsOp  float64 `json:"cpu_ns_op"`
	BOp      float64 `json:"b_op"`
	AllocsOp float64 `json:"allocs_op"`
	Samples  int     `json:"samples"`
}

// Growth is the factor from 1k to 10k Packages.
type Growth struct {
	Name   string  `json:"name"`
	Wall   float64 `json:"ns_op"`
	CPU    float64 `json:"cpu_ns_op"`
	Allocs float64 `json:"allocs_op"`
	Bytes  float64 `json:"b_op"`
}

// TargetRow is one target and whether it was met.
type TargetRow struct {
	What   string  `json:"what"`
	Value  float64 `json:"value"`
	Target float64 `json:"target"`
	Met    bool    `json:"met"`
}

func main() {
	sizesFlag := flag.String("sizes", "1000,10000,50000", "fleet sizes (Packages) for the end-to-end runs")
	reps := flag.Int("reps", 5, "repetitions of each end-to-end run")
	seed := flag.Int64("seed", 1, "fleet seed")
	out := flag.String("out", "bench/results/latest.json", "results file")
	work := flag.String("work", "bin/bench", "directory for the binaries and fleets")
	benchCount := flag.Int("bench-count", 5, "go test -count for the Go benchmarks")
	benchTime := flag.String("bench-time", "1s", "go test -benchtime for the Go benchmarks")
	skipGo := flag.Bool("skip-go-bench", false, "skip the Go benchmarks")
	reviewSizes := flag.String("review-sizes", "1000,10000", "fleet sizes at which report and diff are timed too")
	shapesFlag := flag.String("shapes", "anywhere:100,anywhere:10000,amplification:50000", "shapes users hit: anywhere:N (the Anywhere-heavy fleet of N Packages), amplification:BYTES (one tenant's Package of that size); empty for none")
	release := flag.String("release", "796a688", "commit of the release to compare with (the last before the hardening round); empty for none")
	from := flag.String("from", "", "measure nothing: recompute the growth and targets of this results file, print its report and rewrite it")
	flag.Parse()
	if *from != "" {
		data, err := os.ReadFile(*from)
		check(err)
		var res Results
		check(json.Unmarshal(data, &res))
		res.Growth = growth(res.GoBench)
		res.Targets = targets(res)
		report(os.Stdout, res)
		data, err = json.MarshalIndent(res, "", "  ")
		check(err)
		check(os.WriteFile(*from, append(data, '\n'), 0o644))
		return
	}
	sizes, err := parseSizes(*sizesFlag)
	check(err)
	reviewAt, err := parseSizes(*reviewSizes)
	check(err)
	check(os.MkdirAll(*work, 0o755))

	res := Results{Date: time.Now().UTC().Format(time.RFC3339), Commit: commit(), Reps: *reps, Seed: *seed}
	res.Machine = machine()

	fnBin, noopBin := filepath.Join(*work, "uds-egress-fn"), filepath.Join(*work, "noop")
	logf("building %s and %s", fnBin, noopBin)
	check(goCmd("build", "-o", fnBin, "."))
	check(goCmd("build", "-o", noopBin, "./bench/noop"))
	res.Machine.FunctionSize, res.Machine.NoopSize = fileSize(fnBin), fileSize(noopBin)
	var relBin string
	if *release != "" {
		relBin, err = buildRelease(*work, *release)
		check(err)
		res.Release = *release
	}
	shapes, err := parseShapes(*shapesFlag)
	check(err)

	for _, n := range sizes {
		path := filepath.Join(*work, fmt.Sprintf("fleet-%d-seed%d.yaml", n, *seed))
		check(writeFleet(path, n, *seed))
		row := SizeRow{Packages: n, InputBytes: fileSize(path)}
		if relBin != "" {
			row.Release = &Runs{}
		}
		logf("%d Packages (%.1f MB): %d runs of each binary, interleaved", n, float64(row.InputBytes)/1e6, *reps)
		for r := 0; r < *reps; r++ {
			for _, b := range []struct {
				bin  string
				runs *Runs
			}{{fnBin, &row.Function}, {noopBin, &row.Baseline}, {relBin, row.Release}} {
				if b.bin == "" {
					continue
				}
				measureRun := measure
				if b.bin == fnBin {
					measureRun = func(bin, in string, _ ...string) (measurement, error) { return measureTraced(bin, in) }
				}
				m, merr := measureRun(b.bin, path)
				check(merr)
				b.runs.add(m)
			}
		}
		if slices.Contains(reviewAt, n) {
			head := filepath.Join(*work, fmt.Sprintf("fleet-%d-seed%d-head.yaml", n, *seed))
			check(writeHeadFleet(head, path))
			row.Report, row.Diff = &Runs{}, &Runs{}
			logf("%d Packages: %d runs of report and diff", n, *reps)
			for r := 0; r < *reps; r++ {
				for _, c := range []struct {
					args []string
					runs *Runs
				}{{[]string{"report", "--format", "json", path}, row.Report}, {[]string{"diff", "--format", "json", path, head}, row.Diff}} {
					m, merr := measure(fnBin, "", c.args...)
					check(merr)
					c.runs.add(m)
				}
			}
		}
		for _, r := range []*Runs{&row.Function, &row.Baseline, row.Report, row.Diff, row.Release} {
			if r != nil {
				r.MedianWallS, r.MedianCPUS, r.MedianRSS = median(r.WallS), median(r.CPUS), median(r.RSSMiB)
			}
		}
		row.WallRatio = row.Function.MedianWallS / row.Baseline.MedianWallS
		row.CPURatio = row.Function.MedianCPUS / row.Baseline.MedianCPUS
		row.RSSRatio = row.Function.MedianRSS / row.Baseline.MedianRSS
		res.E2E = append(res.E2E, row)
	}

	for _, sh := range shapes {
		res.Shapes = append(res.Shapes, measureShape(sh, *work, *reps, *seed, fnBin, relBin, noopBin))
	}

	if !*skipGo {
		logf("Go benchmarks: planning and rendering (-count %d -benchtime %s)", *benchCount, *benchTime)
		res.GoBench, err = goBenchmarks(*benchCount, *benchTime)
		check(err)
		res.Growth = growth(res.GoBench)
	}
	res.Machine.LoadAfter = loadavg()
	res.Targets = targets(res)

	report(os.Stdout, res)
	data, err := json.MarshalIndent(res, "", "  ")
	check(err)
	check(os.MkdirAll(filepath.Dir(*out), 0o755))
	check(os.WriteFile(*out, append(data, '\n'), 0o644))
	logf("wrote %s", *out)
}

type measurement struct {
	wall, cpu, rssMiB float64
	out               int64
	// held: collections the memory limit held down (-1: not traced)
	held int
}

func (r *Runs) add(m measurement) {
	r.WallS = append(r.WallS, m.wall)
	r.CPUS = append(r.CPUS, m.cpu)
	r.RSSMiB = append(r.RSSMiB, m.rssMiB)
	r.OutputBytes = m.out
	if m.held >= 0 {
		r.Held = append(r.Held, m.held)
	}
}

// heldRuns counts the runs in which the memory limit held the heap down.
func (r *Runs) heldRuns() int {
	n := 0
	for _, h := range r.Held {
		if h > 0 {
			n++
		}
	}
	return n
}

// measure runs bin with args and input on stdin (none when input is "");
// output is counted and dropped.
func measure(bin, input string, args ...string) (measurement, error) {
	return run(bin, input, false, args...)
}

// measureTraced is measure with the collector's trace on
// (GODEBUG=gctrace=1, one line on stderr per collection, a negligible
// cost): the measurement says how many collections the soft memory limit
// held down. For the function only.
func measureTraced(bin, input string) (measurement, error) {
	return run(bin, input, true)
}

func run(bin, input string, traced bool, args ...string) (measurement, error) {
	var stdout, stderr counter
	var trace bytes.Buffer
	cmd := exec.Command(bin, args...)
	if traced {
		cmd.Env = append(os.Environ(), "GODEBUG=gctrace=1")
	}
	if input != "" {
		in, err := os.Open(input)
		if err != nil {
			return measurement{}, err
		}
		defer in.Close()
		cmd.Stdin = in
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if traced {
		cmd.Stderr = io.MultiWriter(&stderr, &trace)
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return measurement{}, fmt.Errorf("%s %s < %s: %v (stderr %d bytes)", bin, strings.Join(args, " "), input, err, stderr.n)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	held := -1
	if traced {
		cycles := gctrace.Parse(trace.Bytes())
		if len(cycles) == 0 {
			return measurement{}, fmt.Errorf("%s < %s: no collection trace on stderr (GODEBUG=gctrace=1)", bin, input)
		}
		held = len(gctrace.Held(cycles))
	}
	return measurement{
		wall:   wall.Seconds(),
		cpu:    cpu.Seconds(),
		rssMiB: float64(ru.Maxrss) / 1024, // KiB on Linux
		out:    stdout.n,
		held:   held,
	}, nil
}

type counter struct{ n int64 }

// writeHeadFleet writes the base fleet plus one new Package: a new
// namespace reaching a new host and an existing one, namespace-wide (what
// a pull request adds).
func writeHeadFleet(head, base string) error {
	data, err := os.ReadFile(base)
	if err != nil {
		return err
	}
	data = append(data, []byte(`- apiVersion: uds.dev/v1alpha1
  kind: Package
  metadata:
    name: new-app
    namespace: team-new
  spec:
    network:
      allow:
      - direction: Egress
        description: new api
        remoteHost: api.new-vendor.example
      - direction: Egress
        description: shared
        remoteHost: svc-1.example-1.com
        remoteProtocol: TLS
        port: 443
        serviceAccount: new-app
`)...)
	return os.WriteFile(head, data, 0o644)
}

func (c *counter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func writeFleet(path string, n int, seed int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fleetgen.Write(w, n, fleetgen.Pool(n), fleetgen.DefaultParticipants, seed); err != nil {
		f.Close()
		return err
	}
	if n > waypointPackages {
		// One waypoint Gateway lists every ambient Package in an
		// annotation: past about 25,000 of them it is over 1 MiB and the
		// function refuses the run (object-too-large). A fleet that large
		// deploys its waypoint elsewhere, as the error says.
		if _, err := io.WriteString(w, "functionConfig: {apiVersion: fn.uds-egress.dev/v1alpha1, kind: EgressConfig, metadata: {name: bench}, spec: {waypointEnabled: false}}\n"); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// waypointPackages: fleets of more Packages set waypointEnabled: false.
const waypointPackages = 20000

// benchLine matches `go test -bench` output with cpu-ns/op (internal/benchcpu).
var benchLine = regexp.MustCompile(`^Benchmark(\w+)/packages=(\d+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+([\d.]+) cpu-ns/op\s+([\d.]+) B/op\s+([\d.]+) allocs/op`)

func goBenchmarks(count int, benchtime string) ([]GoBench, error) {
	var stdout bytes.Buffer
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^Benchmark(Build|Render)$",
		"-count", strconv.Itoa(count), "-benchtime", benchtime,
		"./generators/plan", "./generators/render")
	cmd.Env = goEnv()
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, os.Stderr), os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go test -bench: %v", err)
	}
	out := parseBench(stdout.String())
	if len(out) == 0 {
		return nil, fmt.Errorf("no benchmark results in the output of go test")
	}
	return out, nil
}

// parseBench reads `go test -bench` output (with cpu-ns/op) into one
// GoBench per benchmark and size, medians over the -count samples, in
// first-seen order.
func parseBench(output string) []GoBench {
	type key struct {
		name string
		n    int
	}
	samples := map[key][][4]float64{}
	var order []key
	for _, line := range strings.Split(output, "\n") {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		k := key{m[1], n}
		if _, seen := samples[k]; !seen {
			order = append(order, k)
		}
		var v [4]float64
		for i := range v {
			v[i], _ = strconv.ParseFloat(m[3+i], 64)
		}
		samples[k] = append(samples[k], v)
	}
	var out []GoBench
	for _, k := range order {
		s := samples[k]
		col := func(i int) float64 {
			xs := make([]float64, len(s))
			for j := range s {
				xs[j] = s[j][i]
			}
			return median(xs)
		}
		name := map[string]string{"Build": "plan", "Render": "render"}[k.name]
		out = append(out, GoBench{Name: name, Packages: k.n, NsOp: col(0), CPUNsOp: col(1), BOp: col(2), AllocsOp: col(3), Samples: len(s)})
	}
	return out
}

func growth(bs []GoBench) []Growth {
	find := func(name string, n int) (GoBench, bool) {
		for _, b := range bs {
			if b.Name == name && b.Packages == n {
				return b, true
			}
		}
		return GoBench{}, false
	}
	var out []Growth
	var sum [2]GoBench
	for _, name := range []string{"plan", "render"} {
		a, okA := find(name, 1000)
		b, okB := find(name, 10000)
		if !okA || !okB {
			continue
		}
		out = append(out, Growth{Name: name, Wall: b.NsOp / a.NsOp, CPU: b.CPUNsOp / a.CPUNsOp, Allocs: b.AllocsOp / a.AllocsOp, Bytes: b.BOp / a.BOp})
		for i, x := range []GoBench{a, b} {
			sum[i].NsOp += x.NsOp
			sum[i].CPUNsOp += x.CPUNsOp
			sum[i].AllocsOp += x.AllocsOp
			sum[i].BOp += x.BOp
		}
	}
	if len(out) == 2 {
		a, b := sum[0], sum[1]
		out = append(out, Growth{Name: "plan+render", Wall: b.NsOp / a.NsOp, CPU: b.CPUNsOp / a.CPUNsOp, Allocs: b.AllocsOp / a.AllocsOp, Bytes: b.BOp / a.BOp})
	}
	return out
}

func targets(res Results) []TargetRow {
	var out []TargetRow
	for _, row := range res.E2E {
		if row.Packages == 10000 {
			out = append(out,
				TargetRow{What: "wall time, function / baseline, 10k Packages", Value: row.WallRatio, Target: targetTimeRatio},
				TargetRow{What: "CPU time, function / baseline, 10k Packages", Value: row.CPURatio, Target: targetTimeRatio})
		}
	}
	for _, row := range res.E2E {
		out = append(out, TargetRow{What: fmt.Sprintf("peak RSS, function / baseline, %s Packages", short(row.Packages)), Value: row.RSSRatio, Target: targetRSSRatio})
	}
	for _, row := range res.E2E {
		if row.Packages < 10000 {
			continue // below, the runtime's fixed floor dominates the input
		}
		input := float64(row.InputBytes) / (1 << 20)
		if row.Report != nil {
			out = append(out, TargetRow{What: fmt.Sprintf("report peak RSS / input, %s Packages", short(row.Packages)), Value: row.Report.MedianRSS / input, Target: targetRSSPerInput})
		}
		if row.Diff != nil {
			out = append(out, TargetRow{What: fmt.Sprintf("diff peak RSS / both inputs, %s Packages", short(row.Packages)), Value: row.Diff.MedianRSS / (2 * input), Target: targetRSSPerInput})
		}
	}
	for _, row := range res.E2E {
		out = append(out, TargetRow{What: fmt.Sprintf("peak RSS / (64 MiB + 8 x input), %s Packages", short(row.Packages)), Value: row.Function.MedianRSS / rssBoundMiB(row.InputBytes), Target: 1})
	}
	for _, row := range res.Shapes {
		if row.Packages == 10000 {
			out = append(out,
				TargetRow{What: row.Shape + ": CPU / no-op over output", Value: row.Function.MedianCPUS / row.NoopOutput.MedianCPUS, Target: targetVsNoopOutput},
				TargetRow{What: row.Shape + ": wall / no-op over output", Value: row.Function.MedianWallS / row.NoopOutput.MedianWallS, Target: targetVsNoopOutput})
			if row.Release != nil {
				out = append(out,
					TargetRow{What: row.Shape + ": wall / release " + res.Release, Value: row.Function.MedianWallS / row.Release.MedianWallS, Target: targetVsRelease},
					TargetRow{What: row.Shape + ": CPU / release " + res.Release, Value: row.Function.MedianCPUS / row.Release.MedianCPUS, Target: targetVsRelease})
			}
		}
		if row.Packages == 100 {
			out = append(out, TargetRow{What: row.Shape + ": wall s", Value: row.Function.MedianWallS, Target: target100Wall})
		}
		out = append(out, TargetRow{What: row.Shape + ": peak RSS / (64 MiB + 8 x input)", Value: row.Function.MedianRSS / rssBoundMiB(row.InputBytes), Target: 1})
	}
	for _, row := range res.E2E {
		out = append(out, TargetRow{What: fmt.Sprintf("runs the memory limit took effect in, %s Packages", short(row.Packages)), Value: float64(row.Function.heldRuns()), Target: 0})
	}
	for _, row := range res.Shapes {
		out = append(out, TargetRow{What: row.Shape + ": runs the memory limit took effect in", Value: float64(row.Function.heldRuns()), Target: 0})
	}
	for _, g := range res.Growth {
		if g.Name == "plan+render" {
			out = append(out, TargetRow{What: "plan+render ns/op, 1k -> 10k Packages", Value: g.Wall, Target: targetGrowth})
		}
	}
	for i := range out {
		out[i].Met = out[i].Value <= out[i].Target
	}
	return out
}

func report(w io.Writer, res Results) {
	m := res.Machine
	fmt.Fprintf(w, "\n%s, %d cores, %d GiB, %s %s, load %s -> %s, commit %s\n", m.CPU, m.Cores, m.MemoryGiB, m.Go, m.OS, m.LoadBefore, m.LoadAfter, res.Commit)
	fmt.Fprintf(w, "\nEnd to end, median of %d runs (wall s / CPU s / peak RSS MiB):\n\n", res.Reps)
	fmt.Fprintln(w, "| Packages | input MB | uds-egress-fn wall | CPU | RSS | no-op baseline wall | CPU | RSS | wall ratio | CPU ratio | RSS ratio |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range res.E2E {
		fmt.Fprintf(w, "| %s | %.1f | %.2f s | %.2f s | %.0f MiB | %.2f s | %.2f s | %.0f MiB | %.2f | %.2f | %.2f |\n",
			short(r.Packages), float64(r.InputBytes)/1e6,
			r.Function.MedianWallS, r.Function.MedianCPUS, r.Function.MedianRSS,
			r.Baseline.MedianWallS, r.Baseline.MedianCPUS, r.Baseline.MedianRSS,
			r.WallRatio, r.CPURatio, r.RSSRatio)
	}
	if len(res.E2E) > 0 && res.E2E[0].Release != nil {
		fmt.Fprintf(w, "\nThe release %s on the same fleets, interleaved with the above (wall s / CPU s / peak RSS MiB):\n\n", res.Release)
		fmt.Fprintln(w, "| Packages | release wall | CPU | RSS | function / release wall | CPU |")
		fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
		for _, r := range res.E2E {
			fmt.Fprintf(w, "| %s | %.2f s | %.2f s | %.0f MiB | %.2f | %.2f |\n", short(r.Packages), r.Release.MedianWallS, r.Release.MedianCPUS, r.Release.MedianRSS,
				r.Function.MedianWallS/r.Release.MedianWallS, r.Function.MedianCPUS/r.Release.MedianCPUS)
		}
	}
	if len(res.Shapes) > 0 {
		fmt.Fprintf(w, "\nShapes users hit, median of %d interleaved runs: the function, the release %s, and the SDK no-op reading the function's output (wall s / CPU s / peak RSS MiB; bound: 64 MiB + 8 x input):\n\n", res.Reps, res.Release)
		fmt.Fprintln(w, "| shape | input | output | function wall | CPU | RSS | release wall | CPU | RSS | no-op over output wall | CPU | RSS | vs release wall | vs no-op CPU | RSS bound |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range res.Shapes {
			rel, vsRel := "| – | – | –", "–"
			if r.Release != nil {
				rel = fmt.Sprintf("| %.2f s | %.2f s | %.0f MiB", r.Release.MedianWallS, r.Release.MedianCPUS, r.Release.MedianRSS)
				vsRel = fmt.Sprintf("%.2f", r.Function.MedianWallS/r.Release.MedianWallS)
			}
			fmt.Fprintf(w, "| %s | %s | %s | %.3f s | %.3f s | %.0f MiB %s | %.2f s | %.2f s | %.0f MiB | %s | %.2f | %.0f MiB |\n",
				r.Shape, size(r.InputBytes), size(r.Function.OutputBytes), r.Function.MedianWallS, r.Function.MedianCPUS, r.Function.MedianRSS, rel,
				r.NoopOutput.MedianWallS, r.NoopOutput.MedianCPUS, r.NoopOutput.MedianRSS, vsRel, r.Function.MedianCPUS/r.NoopOutput.MedianCPUS, rssBoundMiB(r.InputBytes))
		}
	}
	fmt.Fprintf(w, "\nReview commands, median of %d runs (report: one fleet; diff: the fleet against the fleet plus one new Package):\n\n", res.Reps)
	fmt.Fprintln(w, "| Packages | command | wall | CPU | peak RSS | output |")
	fmt.Fprintln(w, "|---:|---|---:|---:|---:|---:|")
	for _, r := range res.E2E {
		for _, c := range []struct {
			name string
			runs *Runs
		}{{"report --format json", r.Report}, {"diff --format json", r.Diff}} {
			if c.runs != nil {
				fmt.Fprintf(w, "| %s | %s | %.2f s | %.2f s | %.0f MiB | %.1f MB |\n", short(r.Packages), c.name, c.runs.MedianWallS, c.runs.MedianCPUS, c.runs.MedianRSS, float64(c.runs.OutputBytes)/1e6)
			}
		}
	}
	if len(res.GoBench) > 0 {
		fmt.Fprintln(w, "\nGo benchmarks (median of -count runs):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| step | Packages | ns/op | cpu-ns/op | B/op | allocs/op |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
		for _, b := range res.GoBench {
			fmt.Fprintf(w, "| %s | %s | %.0f | %.0f | %.0f | %.0f |\n", b.Name, short(b.Packages), b.NsOp, b.CPUNsOp, b.BOp, b.AllocsOp)
		}
		fmt.Fprintln(w, "\nGrowth 1k -> 10k Packages (10x the input; near 10 is linear):")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| step | ns/op | cpu-ns/op | allocs/op | B/op |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|")
		for _, g := range res.Growth {
			fmt.Fprintf(w, "| %s | %.2fx | %.2fx | %.2fx | %.2fx |\n", g.Name, g.Wall, g.CPU, g.Allocs, g.Bytes)
		}
	}
	fmt.Fprintln(w, "\nTargets:")
	fmt.Fprintln(w)
	for _, t := range res.Targets {
		verdict := "met"
		if !t.Met {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "  %-62s %6.2f (target <= %g) %s\n", t.What, t.Value, t.Target, verdict)
	}
	fmt.Fprintln(w)
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadBefore: loadavg()}
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		if n, _ := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); n == 1 {
			m.MemoryGiB = int((float64(kb)/(1<<20) + 0.5))
		}
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(data))
	}
	return m
}

// commit names the code measured: HEAD, and "+changes" when the work tree
// differs from it in Go sources.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if diff, err := exec.Command("git", "status", "--porcelain", "--", "*.go", "go.mod", "go.sum").Output(); err == nil && len(bytes.TrimSpace(diff)) > 0 {
		c += "+changes"
	}
	return c
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func goCmd(args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Env = goEnv()
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// goEnv pins the installed toolchain and static builds, as the Makefile.
func goEnv() []string {
	return append(os.Environ(), "GOTOOLCHAIN=local", "CGO_ENABLED=0")
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-sizes: %q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func short(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// shape is one -shapes entry.
type shape struct {
	name string
	n    int // Packages, or bytes for amplification
}

func parseShapes(s string) ([]shape, error) {
	var out []shape
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		name, num, _ := strings.Cut(strings.TrimSpace(f), ":")
		n, err := strconv.Atoi(num)
		if (name != "anywhere" && name != "amplification") || err != nil || n <= 0 {
			return nil, fmt.Errorf("-shapes: %q is not anywhere:N or amplification:BYTES", f)
		}
		out = append(out, shape{name, n})
	}
	return out, nil
}

func (sh shape) String() string {
	if sh.name == "amplification" {
		return fmt.Sprintf("amplification, %d KB", sh.n/1000)
	}
	return fmt.Sprintf("Anywhere-heavy, %s Packages", short(sh.n))
}

// measureShape writes the shape's input, runs the function once to keep
// its output (the no-op's input), then times the function, the release and
// the no-op over that output, interleaved.
func measureShape(sh shape, work string, reps int, seed int64, fnBin, relBin, noopBin string) ShapeRow {
	path := filepath.Join(work, fmt.Sprintf("%s-%d-seed%d.yaml", sh.name, sh.n, seed))
	var data []byte
	if sh.name == "amplification" {
		data = fleetgen.Amplification(sh.n)
	} else {
		data = fleetgen.AnywhereHeavy(sh.n, seed).Bytes()
	}
	check(os.WriteFile(path, data, 0o644))
	row := ShapeRow{Shape: sh.String(), InputBytes: int64(len(data))}
	if sh.name == "anywhere" {
		row.Packages = sh.n
	}
	outPath := path + ".out"
	check(keepOutput(fnBin, path, outPath))
	if relBin != "" {
		row.Release = &Runs{}
	}
	logf("%s (%.1f MB in, %.1f MB out): %d runs each of the function, the release and the no-op over the output, interleaved",
		sh, float64(row.InputBytes)/1e6, float64(fileSize(outPath))/1e6, reps)
	for r := 0; r < reps; r++ {
		for _, b := range []struct {
			bin, in string
			runs    *Runs
		}{{fnBin, path, &row.Function}, {relBin, path, row.Release}, {noopBin, outPath, &row.NoopOutput}} {
			if b.bin == "" {
				continue
			}
			measureRun := measure
			if b.bin == fnBin {
				measureRun = func(bin, in string, _ ...string) (measurement, error) { return measureTraced(bin, in) }
			}
			m, err := measureRun(b.bin, b.in)
			check(err)
			b.runs.add(m)
		}
	}
	for _, r := range []*Runs{&row.Function, row.Release, &row.NoopOutput} {
		if r != nil {
			r.MedianWallS, r.MedianCPUS, r.MedianRSS = median(r.WallS), median(r.CPUS), median(r.RSSMiB)
		}
	}
	return row
}

// keepOutput runs bin on in and writes its stdout to out.
func keepOutput(bin, in, out string) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	cmd := exec.Command(bin)
	cmd.Stdin, cmd.Stdout = src, f
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 1 { // 1: error results, still an output
			return fmt.Errorf("%s < %s: %v", bin, in, err)
		}
	}
	return f.Close()
}

// buildRelease builds the function at commit rev (from git archive, so no
// worktree is registered) into work; the command was package fn at the
// module root's ./fn before it moved to the root.
func buildRelease(work, rev string) (string, error) {
	bin, _ := filepath.Abs(filepath.Join(work, "uds-egress-fn-"+rev))
	if fileSize(bin) > 0 {
		return bin, nil
	}
	src, _ := filepath.Abs(filepath.Join(work, "src-"+rev))
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	archive := exec.Command("sh", "-c", fmt.Sprintf("git archive %s | tar -x -C %s", rev, src))
	archive.Stderr = os.Stderr
	if err := archive.Run(); err != nil {
		return "", fmt.Errorf("git archive %s: %v", rev, err)
	}
	pkg := "."
	if fileSize(filepath.Join(src, "main.go")) == 0 {
		pkg = "./fn"
	}
	logf("building the release %s (%s) into %s", rev, pkg, bin)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = src, goEnv(), os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s: %v", rev, err)
	}
	return bin, os.RemoveAll(src)
}

// rssBoundMiB is issue 21's memory bound for an input: 64 MiB + 8 x input.
func rssBoundMiB(input int64) float64 {
	return rssFloorMiB + rssPerInputByte*float64(input)/(1<<20)
}

// size is a byte count for the tables: KB under a megabyte, else MB.
func size(n int64) string {
	if n < 1e6 {
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

package review

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/effect"
)

// Exit codes of the review commands.
const (
	ExitOK       = 0
	ExitErrors   = 1 // the input has error results; the output still prints
	ExitUsage    = 2
	ExitFailedOn = 3 // --fail-on matched
)

// Commands are the subcommands this package runs.
var Commands = []string{"report", "diff", "explain", "can-i"}

// Env is what a command runs with.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Usage is the help of the review commands.
const Usage = `Review what a change grants (egress access, before deploy):

  uds-egress-fn report  [--format markdown|json|mermaid] [--config FILE] [PATH...]
  uds-egress-fn diff    [--format markdown|json] [--config FILE] [--fail-on added|widened] BASE HEAD
  uds-egress-fn explain [--config FILE] KIND/NAMESPACE/NAME [PATH...]
  uds-egress-fn can-i   [--format text|json] [--config FILE] [--labels k=v,...] [--method M] NAMESPACE/SERVICEACCOUNT URL [PATH...]

A PATH is a file (a ResourceList, a multi-document stream such as the output
of kustomize build, or single objects), a directory (a kustomization is built
in-process, its uds-egress-fn transformer read as the config; any other
directory is read like a kpt package, .krmignore honoured), or - for stdin.
No PATH means stdin. --config is an EgressConfig or ConfigMap file; without
it the config is a ResourceList's functionConfig, a kustomization's
transformer or a Kptfile mutator, never an EgressConfig among the input
files (an error: pass it with --config). Directories are read safely: no
network request, only regular files inside the directory (or its git work
tree), capped like stdin.

Exit codes: 0 success (even with changes); 1 the input has error results
(the output still prints, saying so); 2 usage error; 3 --fail-on matched
(added: any grant added; widened: a namespace-wide or Anywhere grant added).
can-i answers yes (exit 0) or no (exit 1; also unknown, when the answer
depends on something the effect model does not evaluate), then why; 2 for a
usage error or an unreadable input. URL: https://host[:port][/path] is TLS
(port 443), http://host[:port][/path] HTTP (port 80, --method GET by
default), tcp://host:port TCP.
`

// Main runs args[0] (report, diff or explain) and returns the exit code.
func Main(args []string, env Env) int {
	if len(args) == 0 || !slices.Contains(Commands, args[0]) {
		fmt.Fprint(env.Stderr, Usage)
		return ExitUsage
	}
	fs := flag.NewFlagSet("uds-egress-fn "+args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "markdown", "output format")
	config := fs.String("config", "", "EgressConfig or ConfigMap file")
	failOn := fs.String("fail-on", "", "added or widened (diff)")
	labels := fs.String("labels", "", "pod labels (can-i)")
	method := fs.String("method", "", "HTTP method (can-i)")
	pos, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, Usage)
		return ExitOK
	}
	if err != nil {
		return usage(env, "%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if _, err := effect.MutationFromEnv(); err != nil {
		return usage(env, "%v", err)
	}
	if mut, _ := effect.MutationFromEnv(); mut != "" {
		fmt.Fprintf(env.Stderr, "uds-egress-fn: the effect model runs with the test-only mutation %s: do not trust this output\n", mut)
	}
	if args[0] != "can-i" && (set["labels"] || set["method"]) {
		return usage(env, "--labels and --method are flags of can-i")
	}
	switch args[0] {
	case "can-i":
		if set["fail-on"] {
			return usage(env, "--fail-on is a flag of diff")
		}
		if !set["format"] {
			*format = "text"
		}
		if *format != "text" && *format != "json" {
			return usage(env, "can-i --format is text or json, not %q", *format)
		}
		if len(pos) < 2 {
			return usage(env, "can-i needs NAMESPACE/SERVICEACCOUNT and a URL")
		}
		req, err := ParseCanIRequest(pos[0], *labels, *method, pos[1])
		if err != nil {
			return usage(env, "%v", err)
		}
		return runCanI(env, req, pos[2:], *config, *format)
	case "report":
		if set["fail-on"] {
			return usage(env, "--fail-on is a flag of diff")
		}
		if !slices.Contains([]string{"markdown", "json", "mermaid"}, *format) {
			return usage(env, "report --format is markdown, json or mermaid, not %q", *format)
		}
		return runReport(env, pos, *config, *format)
	case "diff":
		if !slices.Contains([]string{"markdown", "json"}, *format) {
			return usage(env, "diff --format is markdown or json, not %q", *format)
		}
		if *failOn != "" && *failOn != "added" && *failOn != "widened" {
			return usage(env, "--fail-on is added or widened, not %q", *failOn)
		}
		if len(pos) != 2 {
			return usage(env, "diff takes two PATHs, BASE and HEAD (got %d)", len(pos))
		}
		return runDiff(env, pos[0], pos[1], *config, *format, *failOn)
	default:
		if set["format"] || set["fail-on"] {
			return usage(env, "explain takes only --config")
		}
		if len(pos) == 0 {
			return usage(env, "explain needs KIND/NAMESPACE/NAME")
		}
		ref, err := ParseObjectRef(pos[0])
		if err != nil {
			return usage(env, "%v", err)
		}
		return runExplain(env, ref, pos[1:], *config)
	}
}

// parseInterspersed parses flags anywhere among the arguments (report
// overlays/prod --format json); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func usage(env Env, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "uds-egress-fn: "+format+"\n\n", args...)
	fmt.Fprint(env.Stderr, Usage)
	return ExitUsage
}

// analyze loads one side and runs the function over it (Process). A usage
// error (a PATH that is not there) is returned; any other load problem
// becomes an input-invalid result, so the output still prints and says so.
func analyze(l *Loader, paths []string, config string) (Side, error) {
	in, err := l.Load(paths, config)
	var ue UsageError
	if errors.As(err, &ue) {
		return Side{}, err
	}
	if err != nil {
		return Side{Out: fn.Failed(err)}, nil
	}
	return ProcessSide(in), nil
}

func runReport(env Env, paths []string, config, format string) int {
	a, err := analyze(&Loader{Stdin: env.Stdin}, paths, config)
	if err != nil {
		return usage(env, "%v", err)
	}
	r := NewReport(a.Out).WithEffect(a)
	switch format {
	case "json":
		err = WriteReportJSON(env.Stdout, r)
	case "mermaid":
		err = WriteMermaid(env.Stdout, r)
	default:
		err = WriteReportMarkdown(env.Stdout, r)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "uds-egress-fn: writing the report: %v\n", err)
		return ExitErrors
	}
	return exitFor(env, r.Errors(), "the input")
}

func runDiff(env Env, basePath, headPath, config, format, failOn string) int {
	// One side at a time: only the base's grants stay in memory while the
	// head is analyzed.
	l := &Loader{Stdin: env.Stdin}
	var reports [2]Report
	for i, side := range []string{basePath, headPath} {
		a, err := analyze(l, []string{side}, config)
		if err != nil {
			return usage(env, "%s: %v", []string{"BASE", "HEAD"}[i], err)
		}
		reports[i] = NewReport(a.Out).WithEffect(a)
	}
	d := NewDiff(reports[0], reports[1])
	var err error
	if format == "json" {
		err = WriteDiffJSON(env.Stdout, d)
	} else {
		err = WriteDiffMarkdown(env.Stdout, d)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "uds-egress-fn: writing the diff: %v\n", err)
		return ExitErrors
	}
	if code := exitFor(env, d.Errors(), "BASE or HEAD"); code != ExitOK {
		return code
	}
	switch {
	case failOn == "added" && len(d.Added) > 0:
		fmt.Fprintf(env.Stderr, "uds-egress-fn: --fail-on added: %s added\n", plural(len(d.Added), "grant", "grants"))
		return ExitFailedOn
	case failOn == "added" && d.Effect != nil && len(d.Effect.Added) > 0:
		fmt.Fprintf(env.Stderr, "uds-egress-fn: --fail-on added: %s allowed only in the head\n", plural(len(d.Effect.Added), "connection", "connections"))
		return ExitFailedOn
	case failOn == "widened" && d.AddedWidening():
		fmt.Fprintln(env.Stderr, "uds-egress-fn: --fail-on widened: a namespace-wide or Anywhere grant is added")
		return ExitFailedOn
	}
	return ExitOK
}

func runExplain(env Env, ref ObjectRef, paths []string, config string) int {
	side, err := analyze(&Loader{Stdin: env.Stdin}, paths, config)
	if err != nil {
		return usage(env, "%v", err)
	}
	a := side.Out
	found, err := Explain(env.Stdout, a, ref)
	if err != nil {
		fmt.Fprintf(env.Stderr, "uds-egress-fn: %v\n", err)
		return ExitErrors
	}
	if !found {
		var names []string
		for o := range a.Objects {
			names = append(names, o.Kind+"/"+qualified(o.Metadata.Namespace, o.Metadata.Name))
		}
		msg := "the input generates no object " + ref.Kind + "/" + qualified(ref.Namespace, ref.Name)
		if len(names) > 0 {
			if len(names) > 20 {
				names = append(names[:20], fmt.Sprintf("… %d more (report lists them by host)", len(names)-20))
			}
			msg += "; it generates:\n  " + strings.Join(names, "\n  ")
		}
		fmt.Fprintf(env.Stderr, "uds-egress-fn: %s\n", msg)
		if NewReport(a).Errors() > 0 {
			printErrors(env, NewReport(a).Results)
			return ExitErrors
		}
		return ExitUsage
	}
	return exitFor(env, NewReport(a).Errors(), "the input")
}

// exitFor returns 1 and says so on stderr when there are error results.
func exitFor(env Env, errors int, what string) int {
	if errors == 0 {
		return ExitOK
	}
	fmt.Fprintf(env.Stderr, "uds-egress-fn: %s has %s (listed in the output)\n", what, plural(errors, "error result", "error results"))
	return ExitErrors
}

func printErrors(env Env, rs []Result) {
	for _, r := range rs {
		if r.Severity == "error" {
			fmt.Fprintf(env.Stderr, "uds-egress-fn: error: %s %s: %s (%s)\n", r.Object, r.Field, r.Message, r.Code)
		}
	}
}

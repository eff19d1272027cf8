package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/review"
)

// command is a subcommand of the binary: `uds-egress-fn <name> [args...]`.
type command struct {
	name string
	// usage is what follows the name in the usage line ("" for none), and
	// summary says in a few words what the command does.
	usage, summary string
	// run executes the command with the arguments after its name and
	// returns the exit code; it reports a wrong argument with usageError.
	run func(args []string, in io.Reader, out, errOut io.Writer) int
}

// commands is the one place subcommands are registered: dispatch, the
// usage text and the tests all read it. A new subcommand is one more
// entry here and nothing else; it gets its arguments without its name.
// (A function rather than a variable because the commands print the usage,
// which lists the commands.)
//
// Without arguments the binary is the KRM function (what kpt and kustomize
// run), so a subcommand never changes that mode.
func commands() []command {
	return []command{
		{name: "version", summary: "print the version and exit", run: runVersion},
		{name: "report", usage: "[--format markdown|json|mermaid] [--config FILE] [PATH...]", summary: "who may reach which external host:port", run: reviewCommand("report")},
		{name: "diff", usage: "[--format markdown|json] [--config FILE] [--fail-on added|widened] BASE HEAD", summary: "what a change adds, removes or widens", run: reviewCommand("diff")},
		{name: "can-i", usage: "[--format text|json] [--labels k=v,..] [--method M] NS/SA URL [PATH...]", summary: "may this identity open this connection? (yes/no, then why)", run: reviewCommand("can-i")},
		{name: "explain", usage: "[--config FILE] KIND/NAMESPACE/NAME [PATH...]", summary: "which Packages, entries and settings made an object", run: reviewCommand("explain")},
	}
}

// reviewCommand runs a review command (internal/review), which runs the
// function (fn.Process) over what it loads.
func reviewCommand(name string) func(args []string, in io.Reader, out, errOut io.Writer) int {
	return func(args []string, in io.Reader, out, errOut io.Writer) int {
		env := review.Env{Stdin: in, Stdout: out, Stderr: errOut}
		return review.Main(append([]string{name}, args...), env)
	}
}

// Exit codes of the command line.
const (
	exitOK    = 0
	exitError = 1 // an error result, or a command that failed
	exitUsage = 2 // an unknown flag, command or argument
)

// cli dispatches the command line (the arguments after the program name)
// and returns the exit code.
//
//	(no arguments)         the KRM function: ResourceList on in, out
//	-h, --help, help       the documentation (with these usage lines)
//	--doc                  the documentation as JSON (kpt's catalogue)
//	--version              the version, same as the version command
//	<command> [args...]    a registered command
//
// Anything else is a usage error: the usage on errOut, exit 2.
func cli(args []string, in io.Reader, out, errOut io.Writer) int {
	if len(args) == 0 {
		if isTerminal(in) {
			// Nothing piped in: a person ran it by hand. Waiting for a
			// ResourceList on the keyboard helps nobody.
			fmt.Fprint(errOut, "uds-egress-fn: no input: the function reads a ResourceList on stdin, e.g.\n  uds-egress-fn < resourcelist.yaml\n\n")
			writeUsage(errOut)
			fmt.Fprintln(errOut, "\nuds-egress-fn --help describes the function.")
			return exitUsage
		}
		return fn.Run(in, out, errOut)
	}
	if c, ok := lookupCommand(args[0]); ok {
		return c.run(args[1:], in, out, errOut)
	}
	// --help wins wherever it stands, as in the SDK's own dispatch.
	if slices.ContainsFunc(args, isHelpFlag) || args[0] == "help" && len(args) == 1 {
		return printHelp(out)
	}
	switch {
	case len(args) > 1:
		return usageError(errOut, "unexpected argument %q after %s", args[1], args[0])
	case args[0] == "--doc":
		return printDoc(out)
	case args[0] == "--version":
		return runVersion(nil, in, out, errOut)
	case strings.HasPrefix(args[0], "-"):
		return usageError(errOut, "unknown flag %s", args[0])
	default:
		return usageError(errOut, "unknown command %q", args[0])
	}
}

func lookupCommand(name string) (command, bool) {
	i := slices.IndexFunc(commands(), func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return commands()[i], true
}

func isHelpFlag(arg string) bool { return arg == "-h" || arg == "--help" }

// usageError writes what is wrong and the usage to w and returns exitUsage.
func usageError(w io.Writer, format string, args ...any) int {
	fmt.Fprintf(w, "uds-egress-fn: "+format+"\n\n", args...)
	writeUsage(w)
	fmt.Fprintln(w, "\nuds-egress-fn --help describes the function.")
	return exitUsage
}

// writeUsage writes the usage lines: the function mode, every registered
// command, and the flags.
func writeUsage(w io.Writer) {
	lines := [][2]string{{"uds-egress-fn < resourcelist.yaml", "run the KRM function (what kpt and kustomize do)"}}
	for _, c := range commands() {
		lines = append(lines, [2]string{strings.TrimSpace("uds-egress-fn " + c.name + " " + c.usage), c.summary})
	}
	lines = append(lines,
		[2]string{"uds-egress-fn --version", "print the version and exit"},
		[2]string{"uds-egress-fn -h, --help", "print this documentation and exit"},
		[2]string{"uds-egress-fn --doc", "print the documentation as JSON and exit"},
	)
	// One line per entry when it fits in usageWidth columns, else the
	// summary on the next line, indented: the help stays one screen wide.
	width := 0
	for _, l := range lines {
		if 2+len(l[0])+2+len(l[1]) <= usageWidth {
			width = max(width, len(l[0]))
		}
	}
	fmt.Fprintln(w, "Usage:")
	for _, l := range lines {
		if 2+width+2+len(l[1]) <= usageWidth && len(l[0]) <= width {
			fmt.Fprintf(w, "  %-*s  %s\n", width, l[0], l[1])
		} else {
			fmt.Fprintf(w, "  %s\n      %s\n", l[0], l[1])
		}
	}
}

// usageWidth is the width the usage lines fit in.
const usageWidth = 100

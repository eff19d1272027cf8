package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and revision are stamped by the build (Makefile, GoReleaser):
//
//	-ldflags "-X main.version=v1.2.3 -X main.revision=<commit>"
//
// version is the semantic version `git describe` gives; see versionInfo for
// builds without the flags.
var version, revision string

// versionInfo returns the version and commit of this binary: the stamped
// ones, else what the Go toolchain recorded (`go install ...@v1.2.3` records
// the module version; a build in a git checkout records the commit), else
// "(devel)".
func versionInfo() (v, commit string) {
	v, commit = version, revision
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orDevel(v), commit
	}
	if v == "" {
		v = info.Main.Version
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && commit == "":
			commit = s.Value
		case s.Key == "vcs.modified" && s.Value == "true" && revision == "" && commit != "":
			commit += "-dirty"
		}
	}
	return orDevel(v), commit
}

func orDevel(v string) string {
	if v == "" {
		return "(devel)"
	}
	return v
}

// runVersion is the version command (and --version): one line a script can
// read, `uds-egress-fn <version>`, then the commit and the Go toolchain.
func runVersion(args []string, _ io.Reader, out, errOut io.Writer) int {
	if len(args) > 0 {
		return usageError(errOut, "version takes no arguments, got %q", args[0])
	}
	v, commit := versionInfo()
	fmt.Fprintf(out, "uds-egress-fn %s\n", v)
	if commit != "" {
		fmt.Fprintf(out, "commit: %s\n", commit)
	}
	fmt.Fprintf(out, "go:     %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return exitOK
}

package xds

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// ambientEnv must be in the environment before the process starts: istiod's
// feature flags (features.EnableAmbient and the flags derived from it) are read
// once, in package initialisers, so setting it in TestMain is too late. TestMain
// re-executes the test binary with it set.
const ambientEnv = "PILOT_ENABLE_AMBIENT"

func TestMain(m *testing.M) {
	if os.Getenv(ambientEnv) != "true" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "xds suite: cannot find the test binary to re-execute:", err)
			os.Exit(2)
		}
		cmd := exec.Command(exe, os.Args[1:]...)
		cmd.Env = append(os.Environ(), ambientEnv+"=true")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				os.Exit(ee.ExitCode())
			}
			fmt.Fprintln(os.Stderr, "xds suite: re-executing with", ambientEnv+"=true:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	code := m.Run()
	if fnBinDir != "" {
		_ = os.RemoveAll(fnBinDir)
	}
	os.Exit(code)
}

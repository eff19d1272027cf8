package istioctl

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Locate finds the istioctl the tests run: $ISTIOCTL (which must exist),
// else e2e/.cache/bin/istioctl as check.sh builds it, else "" (the caller
// skips what needs istioctl and says so).
func Locate() (string, error) {
	if p := os.Getenv("ISTIOCTL"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ISTIOCTL=%s: %w", p, err)
		}
		return p, nil
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", nil
	}
	// This file is e2e/istio/internal/istioctl/locate.go.
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", ".cache", "bin", "istioctl")
	if _, err := os.Stat(p); err != nil {
		return "", nil // not built yet: the caller skips
	}
	return filepath.Clean(p), nil
}

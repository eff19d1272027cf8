package checker

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/mod/module"
)

// The modules whose shipped CRDs are the schemas of layer 2. Their versions
// are the ones this binary was built with (go.mod of this module), so the
// CRDs always match the Go types of layer 1.
const (
	IstioAPIModule   = "istio.io/api"
	GatewayAPIModule = "sigs.k8s.io/gateway-api"
)

// ModuleDir returns the directory of a dependency module in the module
// cache, at the version this binary was built with, downloading it with
// `go mod download` if the cache does not have it.
func ModuleDir(path string) (dir, version string, err error) {
	version = builtVersion(path)
	if version == "" {
		// Not in the build info (e.g. some test binaries): ask go list in
		// the current module.
		out, lerr := exec.Command("go", "list", "-m", "-json", path).Output()
		if err != nil {
			return "", "", fmt.Errorf("cannot find the version of %s: not in build info, and go list -m failed: %w", path, lerr)
		}
		var m struct{ Version, Dir string }
		if jerr := json.Unmarshal(out, &m); jerr != nil {
			return "", "", jerr
		}
		if m.Dir != "" {
			return m.Dir, m.Version, nil
		}
		version = m.Version
	}
	escPath, err := module.EscapePath(path)
	if err != nil {
		return "", "", err
	}
	escVer, err := module.EscapeVersion(version)
	if err != nil {
		return "", "", err
	}
	if cache := modCache(); cache != "" {
		d := filepath.Join(cache, escPath+"@"+escVer)
		if st, serr := os.Stat(d); serr == nil && st.IsDir() {
			return d, version, nil
		}
	}
	out, err := exec.Command("go", "mod", "download", "-json", path+"@"+version).Output()
	if err != nil {
		return "", "", fmt.Errorf("go mod download %s@%s: %v", path, version, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", "", err
	}
	if m.Error != "" || m.Dir == "" {
		return "", "", fmt.Errorf("go mod download %s@%s: %s", path, version, m.Error)
	}
	return m.Dir, version, nil
}

func builtVersion(path string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

func modCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if c := strings.TrimSpace(string(out)); c != "" {
			return c
		}
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		return filepath.Join(strings.Split(gp, string(os.PathListSeparator))[0], "pkg", "mod")
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "pkg", "mod")
	}
	return ""
}

// DefaultCRDSets loads the CRDs shipped in istio.io/api
// (kubernetes/customresourcedefinitions.gen.yaml) and in
// sigs.k8s.io/gateway-api (config/crd/standard and config/crd/experimental,
// each a set of its own: an object must be valid on either install).
// istioCRDs and gatewayCRDDir, when not empty, replace the module paths.
func DefaultCRDSets(istioCRDs, gatewayCRDDir string) ([]*CRDSet, error) {
	var sets []*CRDSet
	istioName := "istio.io/api CRDs (" + istioCRDs + ")"
	if istioCRDs == "" {
		dir, ver, err := ModuleDir(IstioAPIModule)
		if err != nil {
			return nil, err
		}
		istioCRDs = filepath.Join(dir, "kubernetes", "customresourcedefinitions.gen.yaml")
		istioName = "istio.io/api@" + ver + " CRD"
	}
	s, err := LoadCRDSet(istioName, istioCRDs)
	if err != nil {
		return nil, err
	}
	sets = append(sets, s)

	gwName := "gateway-api CRD (" + gatewayCRDDir + ")"
	if gatewayCRDDir == "" {
		dir, ver, err := ModuleDir(GatewayAPIModule)
		if err != nil {
			return nil, err
		}
		gatewayCRDDir = filepath.Join(dir, "config", "crd")
		gwName = "gateway-api@" + ver
	}
	for _, channel := range []string{"standard", "experimental"} {
		files, err := filepath.Glob(filepath.Join(gatewayCRDDir, channel, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("no Gateway API CRDs in %s", filepath.Join(gatewayCRDDir, channel))
		}
		sort.Strings(files)
		s, err := LoadCRDSet(gwName+" "+channel+" CRD", files...)
		if err != nil {
			return nil, err
		}
		sets = append(sets, s)
	}
	return sets, nil
}

package review

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// buildKustomization builds a kustomization directory in-process with
// kustomize's krusty, as `kustomize build` would, but without running this
// function: its transformer entry (an EgressConfig, or any config whose
// config.kubernetes.io/function names uds-egress-fn) is taken out of the
// kustomization and read as the config instead. kustomize refuses function
// transformers unless plugins are enabled; any other one makes the build
// fail with a message that says how to review such a kustomization.
//
// The directory may come from a pull request: kustomize reads it through
// a confinedFS (inside dir, regular files, capped), and a kustomization
// that names anything remote is refused before kustomize sees it, so no
// request is ever made.
func buildKustomization(dir string, b *budget) (Part, *foundConfig, error) {
	confined, err := newConfinedFS(dir, b)
	if err != nil {
		return Part{}, nil, fmt.Errorf("kustomize build %s: %v", dir, err)
	}
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if path := filepath.Join(dir, name); exists(path) {
			if _, rerr := confined.resolve(path); rerr != nil {
				return Part{}, nil, fmt.Errorf("kustomize build %s: %v", dir, rerr)
			}
		}
	}
	fs := &egressFS{FileSystem: confined, confined: confined}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fs, dir)
	if fs.err != nil {
		return Part{}, nil, fs.err
	}
	if confined.err != nil {
		return Part{}, nil, fmt.Errorf("kustomize build %s: %v", dir, confined.err)
	}
	if err != nil {
		if types.IsErrOnlyBuiltinPluginsAllowed(err) {
			return Part{}, nil, fmt.Errorf("kustomize build %s: %v: the kustomization runs a transformer or generator other than uds-egress-fn, and review runs none (kustomize runs them only with plugins enabled). Build it yourself and pipe the result: kustomize build --enable-alpha-plugins --enable-exec %s | uds-egress-fn report --config EGRESS-CONFIG -", dir, err, dir)
		}
		return Part{}, nil, fmt.Errorf("kustomize build %s: %v", dir, err)
	}
	out, err := m.AsYaml()
	if err != nil {
		return Part{}, nil, fmt.Errorf("kustomize build %s: %v", dir, err)
	}
	objs, err := parseStream(out)
	if err != nil {
		return Part{}, nil, fmt.Errorf("kustomize build %s: %v", dir, err)
	}
	return Part{Name: dir, Objects: objs}, fs.config, nil
}

// egressFS is the disk, except that in kustomization files this function's
// transformer entries are replaced by keepLocalConfig, and their config is
// kept.
type egressFS struct {
	filesys.FileSystem
	confined *confinedFS
	config   *foundConfig
	err      error
}

func (f *egressFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || !slices.Contains(konfig.RecognizedKustomizationFileNames(), filepath.Base(path)) {
		return data, err
	}
	out, err := f.stripTransformers(filepath.Dir(path), data)
	if err != nil {
		f.err = err // reported instead of what kustomize makes of it
		return nil, err
	}
	return out, nil
}

// keepLocalConfig stands in for this function in a kustomization: kustomize
// drops objects annotated config.kubernetes.io/local-config at the end of a
// build, after the function saw them (Packages are often so marked for
// clusters without the UDS operator). Taking the annotation off where the
// function would have run keeps them in the build for the review.
const keepLocalConfig = `apiVersion: builtin
kind: PatchTransformer
metadata:
  name: uds-egress-fn-review
patch: '[{"op": "remove", "path": "/metadata/annotations/config.kubernetes.io~1local-config"}]'
target:
  annotationSelector: config.kubernetes.io/local-config
`

// stripTransformers replaces this function's entries from the transformers
// list of one kustomization file.
func (f *egressFS) stripTransformers(dir string, data []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 {
		return data, nil // kustomize reports it
	}
	if remote := remoteRefs(doc.Content[0]); len(remote) > 0 {
		return nil, fmt.Errorf("%s names what kustomize would fetch over the network (%s); the review makes no network request: vendor it into the directory, or build it yourself and pipe the result (kustomize build DIR | uds-egress-fn report --config EGRESS-CONFIG -)",
			f.confined.shown(filepath.Join(dir, "kustomization.yaml")), strings.Join(remote, ", "))
	}
	list := field(doc.Content[0], "transformers")
	if list == nil || list.Kind != yaml.SequenceNode {
		return data, nil
	}
	kept := list.Content[:0:0]
	for _, entry := range list.Content {
		cfg, from, err := f.egressConfigOf(dir, entry)
		if err != nil {
			return nil, err
		}
		kept = append(kept, entry)
		if cfg == nil {
			continue
		}
		kept[len(kept)-1] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: keepLocalConfig, Style: yaml.LiteralStyle}
		if f.config != nil && !sameConfig(f.config.node, cfg) {
			return nil, fmt.Errorf("two different uds-egress-fn transformers (%s and %s); pass the config to use with --config", f.config.from, from)
		}
		f.config = &foundConfig{cfg, from}
	}
	if slices.Equal(kept, list.Content) {
		return data, nil
	}
	list.Content = kept
	return yaml.Marshal(&doc)
}

// egressConfigOf returns the config of a transformers entry when the
// entry is this function (a file path or inline YAML), else nil.
func (f *egressFS) egressConfigOf(dir string, entry *yaml.Node) (*yaml.Node, string, error) {
	if entry.Kind != yaml.ScalarNode {
		return nil, "", nil
	}
	text, from := []byte(entry.Value), filepath.Join(dir, "kustomization.yaml")+" (inline transformer)"
	if !strings.Contains(entry.Value, "\n") {
		path := filepath.Join(dir, entry.Value)
		if f.FileSystem.IsDir(path) {
			return nil, "", nil
		}
		data, err := f.FileSystem.ReadFile(path)
		if err != nil {
			return nil, "", nil // kustomize reports it
		}
		text, from = data, path
	}
	objs, err := parseStream(text)
	if err != nil || len(objs) != 1 || !runsThisFunction(objs[0]) {
		return nil, "", nil
	}
	return objs[0], from, nil
}

// runsThisFunction is true for an EgressConfig, or for a transformer
// config whose function annotation names uds-egress-fn.
func runsThisFunction(n *yaml.Node) bool {
	if isEgressConfig(n) {
		return true
	}
	ann := field(field(n, "metadata"), "annotations")
	spec := scalar(ann, "config.kubernetes.io/function") + scalar(ann, "config.k8s.io/function")
	return strings.Contains(spec, "uds-egress-fn")
}

// remoteRefs lists, as "field: entry", what a kustomization would fetch
// over the network: a remote resource, base or component (a URL, a git
// repository such as github.com/org/repo//path?ref=v1 or
// git@host:org/repo), or a file field holding a URL. A review makes no
// request: each is an input-invalid result instead.
func remoteRefs(k *yaml.Node) []string {
	var out []string
	add := func(fieldName string, n *yaml.Node, resource bool) {
		if n == nil || n.Kind != yaml.ScalarNode {
			return
		}
		if isRemote(n.Value, resource) {
			out = append(out, fieldName+": "+n.Value)
		}
	}
	each := func(fieldName string, list *yaml.Node, resource bool) {
		if list == nil || list.Kind != yaml.SequenceNode {
			return
		}
		for _, e := range list.Content {
			add(fieldName, e, resource)
		}
	}
	for _, f := range []string{"resources", "bases", "components"} {
		each(f, field(k, f), true)
	}
	for _, f := range []string{"crds", "configurations", "generators", "transformers", "validators", "patchesStrategicMerge"} {
		each(f, field(k, f), false)
	}
	for _, f := range []string{"patches", "patchesJson6902", "replacements"} {
		if list := field(k, f); list != nil && list.Kind == yaml.SequenceNode {
			for _, e := range list.Content {
				add(f+".path", field(e, "path"), false)
			}
		}
	}
	add("openapi.path", field(field(k, "openapi"), "path"), false)
	for _, f := range []string{"configMapGenerator", "secretGenerator"} {
		if list := field(k, f); list != nil && list.Kind == yaml.SequenceNode {
			for _, g := range list.Content {
				each(f+".files", field(g, "files"), false)
				each(f+".envs", field(g, "envs"), false)
				add(f+".env", field(g, "env"), false)
			}
		}
	}
	if list := field(k, "helmCharts"); list != nil && list.Kind == yaml.SequenceNode {
		for _, c := range list.Content {
			if r := field(c, "repo"); r != nil && r.Kind == yaml.ScalarNode && r.Value != "" {
				out = append(out, "helmCharts.repo: "+r.Value)
			}
		}
	}
	return out
}

// isRemote tells an entry kustomize would fetch: anything with a scheme
// (https://, ssh://, file://), and for a resource, base or component also
// what kustomize reads as a git repository without one (git::…,
// github.com/…, user@host:…). A file entry may be key=path.
func isRemote(entry string, resource bool) bool {
	s := strings.TrimSpace(entry)
	if strings.Contains(s, "\n") {
		return false // inline YAML
	}
	if strings.Contains(s, "://") {
		return true
	}
	if !resource {
		return false
	}
	lower := strings.ToLower(s)
	first, _, _ := strings.Cut(s, "/")
	return strings.HasPrefix(lower, "git::") || strings.HasPrefix(lower, "gh:") ||
		strings.HasPrefix(lower, "github.com") || strings.Contains(first, "@")
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

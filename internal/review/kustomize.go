package review

import (
	"fmt"
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
func buildKustomization(dir string) (Part, *foundConfig, error) {
	fs := &egressFS{FileSystem: filesys.MakeFsOnDisk()}
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fs, dir)
	if fs.err != nil {
		return Part{}, nil, fs.err
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
	config *foundConfig
	err    error
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

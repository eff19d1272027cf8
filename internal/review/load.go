package review

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/kio"

	"github.com/uds-egress-fn/uds-egress-fn/generators/kinds"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
)

// MaxInputBytes bounds what one command reads: the function's own cap.
const MaxInputBytes = krmio.MaxInputBytes

// Part is what one PATH holds: a whole ResourceList (left to the function's
// own reader, which is faster and leaner than a full parse) or objects.
type Part struct {
	Name         string
	ResourceList []byte
	Objects      []*yaml.Node
}

// Input is everything the PATHs of one side hold, in order, and the config
// that goes with it.
type Input struct {
	Parts []Part
	// Config is the functionConfig to use, nil to use the one of a
	// ResourceList (or the defaults); ConfigFrom says where it came from.
	Config     *yaml.Node
	ConfigFrom string
}

// UsageError is a command line that names what is not there; the command
// exits 2.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

func usagef(format string, args ...any) error { return UsageError{fmt.Errorf(format, args...)} }

// Loader reads PATHs. Stdin is read once; everything read is capped at
// MaxInputBytes in total.
type Loader struct {
	Stdin     io.Reader
	stdinUsed bool
	budget    *budget
}

// Load reads the PATHs ("-" or none: stdin) and the --config file.
//
// The config comes only from where the platform team puts it: --config
// wins; otherwise a ResourceList's functionConfig, the kustomization's
// transformer entry or the Kptfile mutator of this function. A config of
// this function found among the other input files (an EgressConfig, or a
// ConfigMap whose config.kubernetes.io/function names uds-egress-fn) is
// never used: without --config it is an error that names the file, since
// a tenant could have added it.
func (l *Loader) Load(paths []string, configFile string) (*Input, error) {
	if l.budget == nil {
		l.budget = newBudget()
	}
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	in := &Input{}
	if configFile != "" {
		node, err := l.readConfigFile(configFile)
		if err != nil {
			return nil, err
		}
		in.Config, in.ConfigFrom = node, configFile
	}
	var found *foundConfig
	var stray []string
	for _, p := range paths {
		part, cfg, err := l.loadPath(p)
		if err != nil {
			return nil, err
		}
		c, rest, err := takeFunctionConfig(part.Objects, p)
		if err != nil {
			return nil, err
		}
		part.Objects = rest
		for _, fc := range []*foundConfig{cfg, c} {
			if fc == nil {
				continue
			}
			if found != nil && !sameConfig(found.node, fc.node) {
				return nil, fmt.Errorf("two different function configs in the input (%s and %s); pass the one to use with --config", found.from, fc.from)
			}
			found = fc
		}
		stray = append(stray, configObjects(part.Objects, p)...)
		in.Parts = append(in.Parts, part)
	}
	if configFile == "" && len(stray) > 0 {
		return nil, fmt.Errorf("%s is a config of this function among the input files; the review never takes its config from an input file (a tenant could have added it), only from --config, a ResourceList's functionConfig, a kustomization's transformer entry or the Kptfile mutator: pass the config to use with --config FILE", strings.Join(stray, " and "))
	}
	if in.Config == nil && found != nil {
		in.Config, in.ConfigFrom = found.node, found.from
	}
	return in, nil
}

type foundConfig struct {
	node *yaml.Node
	from string
}

func (l *Loader) loadPath(p string) (Part, *foundConfig, error) {
	if p == "-" {
		if l.stdinUsed {
			return Part{}, nil, usagef("- (stdin) is named twice")
		}
		l.stdinUsed = true
		data, err := l.budget.read(l.Stdin, "stdin")
		if err != nil {
			return Part{}, nil, err
		}
		part, err := parseBytes("stdin", data)
		return part, nil, err
	}
	info, err := os.Stat(p)
	if err != nil {
		return Part{}, nil, usagef("%s: no such file or directory", p)
	}
	if !info.IsDir() {
		data, err := l.budget.readRegular(p, p)
		if err != nil {
			return Part{}, nil, err
		}
		part, err := parseBytes(p, data)
		return part, nil, err
	}
	for _, name := range konfig.RecognizedKustomizationFileNames() {
		if _, err := os.Lstat(filepath.Join(p, name)); err == nil {
			return buildKustomization(p, l.budget)
		}
	}
	return readPackageDir(p, l.budget)
}

// parseBytes reads one file or stdin: a ResourceList, a multi-document
// stream or single objects. Input that names itself a ResourceList is read
// by the function's own reader (krmio), so it is refused exactly when the
// function refuses it; input that holds no object at all is refused too
// (a pipe whose producer failed must not read as "no access").
func parseBytes(name string, data []byte) (Part, error) {
	if looksLikeResourceList(data) {
		return Part{Name: name, ResourceList: data}, nil
	}
	objs, err := parseStream(data)
	if err != nil {
		return Part{}, fmt.Errorf("%s: %v", name, err)
	}
	if len(objs) == 0 {
		return Part{}, fmt.Errorf("%s: the input is empty (no object in it); review a ResourceList, a stream of objects (kustomize build) or a directory", name)
	}
	return Part{Name: name, Objects: objs}, nil
}

// looksLikeResourceList is true when a top-level line of the input says
// kind: ResourceList, the shape kpt, kustomize and this function write.
// Anything else goes through the stream parser.
func looksLikeResourceList(data []byte) bool {
	for line := range bytes.Lines(data) {
		if string(bytes.TrimRight(line, " \t\r\n")) == "kind: ResourceList" {
			return true
		}
	}
	return false
}

// parseStream reads YAML documents: each is an object, a List (its items)
// or a ResourceList (its items; its functionConfig is kept as an object of
// kind EgressConfig or ConfigMap for takeConfigObject to find).
func parseStream(data []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []*yaml.Node
	for i := 0; ; i++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("not valid YAML: %v", err)
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
			root = root.Content[0]
		}
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" || root.Kind == yaml.DocumentNode {
			continue // an empty document
		}
		if root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("document %d is not a Kubernetes object (a map with apiVersion and kind)", i+1)
		}
		switch scalar(root, "kind") {
		case "List", "ResourceList":
			items := field(root, "items")
			if items != nil && items.Kind == yaml.SequenceNode {
				out = append(out, items.Content...)
			}
			if fc := field(root, "functionConfig"); fc != nil && fc.Kind == yaml.MappingNode {
				out = append(out, markConfig(fc))
			}
		default:
			out = append(out, root)
		}
	}
}

// configMark tags a ResourceList's functionConfig found in a stream.
const configMark = "!functionConfig"

func markConfig(n *yaml.Node) *yaml.Node {
	c := *n
	c.Tag = configMark
	return &c
}

// takeFunctionConfig removes a ResourceList's functionConfig (found in a
// stream) from objects and returns it.
func takeFunctionConfig(objs []*yaml.Node, path string) (*foundConfig, []*yaml.Node, error) {
	var found *foundConfig
	rest := objs[:0:0]
	for _, o := range objs {
		if o.Tag != configMark {
			rest = append(rest, o)
			continue
		}
		c := *o
		c.Tag = "!!map"
		fc := &foundConfig{&c, path + " (functionConfig)"}
		if found != nil && !sameConfig(found.node, fc.node) {
			return nil, nil, fmt.Errorf("%s holds two different function configs; pass the one to use with --config", path)
		}
		found = fc
	}
	return found, rest, nil
}

// configObjects names the objects that are configs of this function (an
// EgressConfig, or an object whose function annotation names
// uds-egress-fn) by the file they are in.
func configObjects(objs []*yaml.Node, path string) []string {
	var out []string
	for _, o := range objs {
		if !runsThisFunction(o) {
			continue
		}
		file := path
		if p := pathOf(o); p != "" && p != path {
			file = filepath.Join(path, p)
		}
		out = append(out, fmt.Sprintf("%s (%s %s)", file, scalar(o, "kind"), scalar(field(o, "metadata"), "name")))
	}
	return out
}

func isEgressConfig(n *yaml.Node) bool {
	group := kinds.GroupOf(scalar(n, "apiVersion"))
	return group == "fn.uds-egress.dev" && scalar(n, "kind") == "EgressConfig"
}

// readConfigFile reads --config: one EgressConfig or ConfigMap.
func (l *Loader) readConfigFile(path string) (*yaml.Node, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, usagef("--config %s: no such file", path)
	}
	data, err := l.budget.readRegular(path, "--config "+path)
	if err != nil {
		return nil, err
	}
	objs, err := parseStream(data)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %v", path, err)
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("--config %s holds %d documents; it must hold one EgressConfig (or ConfigMap)", path, len(objs))
	}
	n := *objs[0]
	if n.Tag == configMark {
		n.Tag = "!!map"
	}
	return &n, nil
}

// readPackageDir reads a directory the way kpt reads a package: every
// .yaml/.yml file, subpackages included, .krmignore honoured. A Kptfile
// mutator that runs this function names its config (configPath or
// configMap).
//
// The directory may come from a pull request: it is read through a
// confinedFS (inside dir, regular files, capped).
func readPackageDir(dir string, b *budget) (Part, *foundConfig, error) {
	confined, err := newConfinedFS(dir, b)
	if err != nil {
		return Part{}, nil, fmt.Errorf("reading the package %s: %v", dir, err)
	}
	r := kio.LocalPackageReader{PackagePath: dir, IncludeSubpackages: true, MatchFilesGlob: append([]string{"Kptfile"}, kio.DefaultMatch...),
		FileSystem: filesys.FileSystemOrOnDisk{FileSystem: confined}}
	nodes, err := r.Read()
	if confined.err != nil {
		return Part{}, nil, fmt.Errorf("reading the package %s: %v", dir, confined.err)
	}
	if err != nil {
		return Part{}, nil, fmt.Errorf("reading the package %s: %v", dir, err)
	}
	part := Part{Name: dir}
	var kptfile *yaml.Node
	for _, rn := range nodes {
		n := rn.YNode()
		if scalar(n, "kind") == "Kptfile" {
			if pathOf(n) == "Kptfile" {
				kptfile = n
			}
			if ferr := onlyThisFunction(n, dir); ferr != nil {
				return Part{}, nil, ferr
			}
		}
		part.Objects = append(part.Objects, n)
	}
	cfg, err := kptfileConfig(kptfile, dir, &part)
	return part, cfg, err
}

// onlyThisFunction refuses a package whose Kptfile (the root's or a
// subpackage's) runs a mutator other than this function: kpt fn render
// would change the files before this function sees them, and the review
// runs no other function, so it would read what is not applied. The error
// gives the pipe that reviews the rendered package instead.
func onlyThisFunction(kptfile *yaml.Node, dir string) error {
	mutators := field(field(kptfile, "pipeline"), "mutators")
	if mutators == nil || mutators.Kind != yaml.SequenceNode {
		return nil
	}
	var others []string
	config := "EGRESS-CONFIG"
	for _, m := range mutators.Content {
		fn := scalar(m, "image") + scalar(m, "exec")
		if strings.Contains(fn, "uds-egress-fn") {
			if cp := scalar(m, "configPath"); cp != "" {
				config = filepath.Join(dir, filepath.Dir(pathOf(kptfile)), cp)
			}
			continue
		}
		if fn == "" {
			fn = "a function"
		}
		others = append(others, fn)
	}
	if len(others) == 0 {
		return nil
	}
	return fmt.Errorf("%s runs %s in its pipeline, which the review does not run: the files are not what kpt fn render applies. Render the package and review the result: kpt fn render %s --output stdout | uds-egress-fn report --config %s -",
		filepath.Join(dir, pathOf(kptfile)), strings.Join(others, " and "), dir, config)
}

func pathOf(n *yaml.Node) string {
	ann := field(field(n, "metadata"), "annotations")
	if p := scalar(ann, kioutilPath); p != "" {
		return p
	}
	return scalar(ann, "config.kubernetes.io/path")
}

const kioutilPath = "internal.config.kubernetes.io/path"

// kptfileConfig finds the config of this function's mutator in a Kptfile.
func kptfileConfig(kptfile *yaml.Node, dir string, part *Part) (*foundConfig, error) {
	if kptfile == nil {
		return nil, nil
	}
	mutators := field(field(kptfile, "pipeline"), "mutators")
	if mutators == nil || mutators.Kind != yaml.SequenceNode {
		return nil, nil
	}
	for _, m := range mutators.Content {
		if !strings.Contains(scalar(m, "image")+scalar(m, "exec"), "uds-egress-fn") {
			continue
		}
		if cm := field(m, "configMap"); cm != nil && cm.Kind == yaml.MappingNode {
			return &foundConfig{configMapNode(cm), filepath.Join(dir, "Kptfile") + " (configMap)"}, nil
		}
		if cp := filepath.ToSlash(filepath.Clean(scalar(m, "configPath"))); cp != "." {
			for i, o := range part.Objects {
				if pathOf(o) == cp {
					part.Objects = append(part.Objects[:i:i], part.Objects[i+1:]...)
					return &foundConfig{o, filepath.Join(dir, cp)}, nil
				}
			}
			return nil, fmt.Errorf("%s: the Kptfile names configPath %s, which the package does not hold", dir, cp)
		}
	}
	return nil, nil
}

// configMapNode wraps a Kptfile configMap in a ConfigMap.
func configMapNode(data *yaml.Node) *yaml.Node {
	str := func(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v} }
	meta := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{str("name"), str("function-input")}}
	return &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
		str("apiVersion"), str("v1"), str("kind"), str("ConfigMap"), str("metadata"), meta, str("data"), data,
	}}
}

// field returns the value of key in a map node (aliases followed).
func field(n *yaml.Node, key string) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			v := n.Content[i+1]
			v = krmio.Deref(v)
			return v
		}
	}
	return nil
}

func scalar(n *yaml.Node, key string) string {
	v := field(n, key)
	if v == nil || v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		return ""
	}
	return v.Value
}

// sameConfig tells whether two configs set the same: same kind and the
// same spec (EgressConfig) or data (ConfigMap); names and annotations do
// not matter.
func sameConfig(a, b *yaml.Node) bool {
	if scalar(a, "kind") != scalar(b, "kind") {
		return false
	}
	return sameYAML(field(a, "spec"), field(b, "spec")) && sameYAML(field(a, "data"), field(b, "data"))
}

// sameYAML compares values, not spelling (flow or block style, quotes).
func sameYAML(a, b *yaml.Node) bool {
	if a == nil || b == nil {
		return a == b
	}
	var x, y any
	return a.Decode(&x) == nil && b.Decode(&y) == nil && reflect.DeepEqual(x, y)
}

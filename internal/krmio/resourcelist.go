// Package krmio reads and writes the KRM function ResourceList
// (config.kubernetes.io/v1): block-style input is split into items without a
// full parse so that each item is parsed, used and dropped on its own and
// pass-through items are written back byte for byte; anything the splitter
// is not sure about is parsed as one YAML document instead. The package also
// turns findings into the ResourceList's results.
package krmio

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"go.yaml.in/yaml/v3"
)

// MaxInputBytes bounds what the function reads: a larger ResourceList is
// rejected with a result instead of exhausting memory.
const MaxInputBytes = 256 << 20

// ResourceList is the input. Each item keeps its YAML node or, for
// block-style input, its exact text: pass-through objects are written back
// with their comments and key order (byte for byte when the text is known).
type ResourceList struct {
	Items          []*Item
	FunctionConfig *yaml.Node
	// data is the whole input, kept for a full parse when splitting into
	// items was not faithful (an alias to an anchor in another item).
	data []byte
	// budget is what alias expansion may still copy in this run; every
	// item and the functionConfig draw on it.
	budget *int
	// whole, when set, replaces the full parse of data (Joined).
	whole func() (*ResourceList, error)
}

// SelfContained is the package function drawing on the run's alias budget.
func (rl *ResourceList) SelfContained(n *yaml.Node) (*yaml.Node, error) {
	return selfContained(n, rl.budget)
}

// Item is one entry of items.
type Item struct {
	node   *yaml.Node
	entry  []byte // the item's text as a sequence entry at column 0, or nil
	budget *int   // the run's alias budget
}

// Node returns the item's YAML node, parsing its text the first time (as a
// one-item sequence, the context it was written in). An error means the item
// does not parse on its own: it wraps ErrNeedFullParse, and the caller
// returns it from the function given to Use, which parses the whole input
// instead.
func (it *Item) Node() (*yaml.Node, error) {
	if it.node != nil || it.entry == nil {
		return it.node, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(it.entry, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNeedFullParse, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) != 1 {
		return nil, ErrNeedFullParse
	}
	it.node = doc.Content[0].Content[0]
	return it.node, nil
}

// Release drops the parsed node when the text can stand in for it.
func (it *Item) Release() {
	if it.entry != nil {
		it.node = nil
	}
}

// Output returns what to write for the item.
func (it *Item) Output() (Document, error) {
	if it.entry != nil {
		return Document{raw: it.entry}, nil
	}
	n, err := selfContained(it.node, it.budget)
	return Document{node: n}, err
}

var (
	errNotResourceList = errors.New("not a ResourceList")
	// ErrNeedFullParse says an item did not parse on its own.
	ErrNeedFullParse = errors.New("an item does not parse on its own")
)

// Use runs use over rl. When use returns an error wrapping ErrNeedFullParse
// (an item leaned on another, such as an alias to an anchor in a different
// item), Use parses the whole input as one YAML document instead and runs use
// once more over that. It returns the ResourceList use last ran over (nil
// when the full parse failed) and use's error.
func (rl *ResourceList) Use(use func(*ResourceList) error) (*ResourceList, error) {
	err := use(rl)
	if !errors.Is(err, ErrNeedFullParse) {
		return rl, err
	}
	parse := func() (*ResourceList, error) { return parseWhole(rl.data) }
	if rl.whole != nil {
		parse = rl.whole
	}
	full, err := parse()
	if err != nil {
		return nil, err
	}
	return full, use(full)
}

// Read parses a config.kubernetes.io/v1 ResourceList.
func Read(r io.Reader) (*ResourceList, error) {
	data, err := readCapped(r, MaxInputBytes)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// readCapped reads all of r in chunks, refusing more than limit bytes as
// soon as it sees them. Chunks are joined once at the end, so memory peaks
// at twice the input instead of io.ReadAll's repeated doubling.
func readCapped(r io.Reader, limit int) ([]byte, error) {
	const chunk = 4 << 20
	var parts [][]byte
	total := 0
	for {
		buf := make([]byte, chunk)
		n, err := io.ReadFull(r, buf)
		parts = append(parts, buf[:n])
		total += n
		if total > limit {
			return nil, fmt.Errorf("the input is larger than %d MiB; split the package or render it in parts", limit>>20)
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the input: %w", err)
		}
	}
	data := make([]byte, 0, total)
	for _, p := range parts {
		data = append(data, p...)
	}
	return data, nil
}

// Parse reads the input, splitting block-style input into
// items without a full parse when it can.
func Parse(data []byte) (*ResourceList, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the input is empty; the function reads a ResourceList on stdin (kpt and kustomize send one)", errNotResourceList)
	}
	if rl, ok := splitInput(data); ok {
		return rl, nil
	}
	return parseWhole(data)
}

// splitInput builds the ResourceList from the raw sections. It declines
// (ok=false) whenever the full parser should have the last word.
func splitInput(data []byte) (*ResourceList, bool) {
	sec, ok := splitResourceList(data)
	if !ok {
		return nil, false
	}
	rl := &ResourceList{data: data, budget: newBudget(len(data))}
	// Every top-level key but items is parsed, so invalid YAML anywhere is
	// still reported by the full parser.
	var head bytes.Buffer
	for _, text := range sec.top {
		head.Write(text)
	}
	var top yaml.Node
	if err := yaml.Unmarshal(head.Bytes(), &top); err != nil || len(top.Content) != 1 || top.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	root := top.Content[0]
	if Text(root, "kind") != "ResourceList" {
		return nil, false
	}
	if fc := Lookup(root, "functionConfig"); fc != nil && !isNull(fc) {
		rl.FunctionConfig = fc
	}
	rl.Items = make([]*Item, len(sec.items))
	for i, it := range sec.items {
		rl.Items[i] = &Item{entry: it, budget: rl.budget}
	}
	return rl, true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// parseWhole parses the input as one YAML document.
func parseWhole(data []byte) (*ResourceList, error) {
	rl := &ResourceList{budget: newBudget(len(data))}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the input is not valid YAML: %v", err)
	}
	if err := onlyDocument(dec); err != nil {
		return nil, err
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%w: the input is a YAML %s, expected a ResourceList map with apiVersion: config.kubernetes.io/v1", errNotResourceList, kindName(root))
	}
	var kind string
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i]; k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
			return nil, fmt.Errorf("%w: a top-level key is not a string (line %d); a ResourceList has apiVersion, kind, items and functionConfig", errNotResourceList, k.Line)
		}
		key, val := root.Content[i].Value, root.Content[i+1]
		switch key {
		case "kind":
			kind = val.Value
		case "items":
			if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
				continue
			}
			if val.Kind != yaml.SequenceNode {
				return nil, fmt.Errorf("%w: items must be a list of objects, got a YAML %s", errNotResourceList, kindName(val))
			}
			rl.Items = make([]*Item, len(val.Content))
			for i, n := range val.Content {
				rl.Items[i] = &Item{node: n, budget: rl.budget}
			}
		case "functionConfig":
			if !isNull(val) {
				rl.FunctionConfig = val
			}
		}
	}
	if kind != "ResourceList" {
		return nil, fmt.Errorf("%w: kind is %q; the function reads a ResourceList (kpt and kustomize send one on stdin)", errNotResourceList, kind)
	}
	return rl, nil
}

// onlyDocument fails when the input holds a second YAML document that is
// not empty: everything in it (a Package, say) would be ignored, so the
// run must fail instead. A second document that is not even valid YAML
// fails too.
func onlyDocument(dec *yaml.Decoder) error {
	for n := 2; ; n++ {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the input holds more than one YAML document, and document %d is not valid YAML (%v); a ResourceList is exactly one document", n, err)
		}
		if !emptyDocument(&doc) {
			return fmt.Errorf("the input holds more than one YAML document (document %d starts at line %d); a ResourceList is exactly one document, and anything after the first would be ignored: put every object into items", n, doc.Line)
		}
	}
}

// emptyDocument: a document holding nothing but comments, or a null.
func emptyDocument(doc *yaml.Node) bool {
	if len(doc.Content) == 0 {
		return true
	}
	c := doc.Content[0]
	return len(doc.Content) == 1 && c.Kind == yaml.ScalarNode && c.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "map"
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}

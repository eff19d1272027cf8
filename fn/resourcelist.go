package main

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

// resourceList is the input. Each item keeps its YAML node or, for
// block-style input, its exact text: pass-through objects are written back
// with their comments and key order (byte for byte when the text is known).
type resourceList struct {
	Items          []*inputItem
	FunctionConfig *yaml.Node
	// data is the whole input, kept for a full parse when splitting into
	// items was not faithful (an alias to an anchor in another item).
	data []byte
}

// inputItem is one entry of items.
type inputItem struct {
	node  *yaml.Node
	entry []byte // the item's text as a sequence entry at column 0, or nil
}

// Node returns the item's YAML node, parsing its text the first time (as a
// one-item sequence, the context it was written in).
func (it *inputItem) Node() (*yaml.Node, error) {
	if it.node != nil || it.entry == nil {
		return it.node, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(it.entry, &doc); err != nil {
		return nil, err
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.SequenceNode || len(doc.Content[0].Content) != 1 {
		return nil, errNeedFullParse
	}
	it.node = doc.Content[0].Content[0]
	return it.node, nil
}

// release drops the parsed node when the text can stand in for it.
func (it *inputItem) release() {
	if it.entry != nil {
		it.node = nil
	}
}

// output returns what to write for the item.
func (it *inputItem) output() (document, error) {
	if it.entry != nil {
		return document{raw: it.entry}, nil
	}
	n, err := selfContained(it.node)
	return document{node: n}, err
}

var (
	errNotResourceList = errors.New("not a ResourceList")
	// errNeedFullParse says an item did not parse on its own.
	errNeedFullParse = errors.New("an item does not parse on its own")
)

// readResourceList parses a config.kubernetes.io/v1 ResourceList.
func readResourceList(r io.Reader) (*resourceList, error) {
	data, err := readCapped(r, MaxInputBytes)
	if err != nil {
		return nil, err
	}
	return parseResourceList(data)
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

// parseResourceList reads the input, splitting block-style input into
// items without a full parse when it can.
func parseResourceList(data []byte) (*resourceList, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: the input is empty; the function reads a ResourceList on stdin (kpt and kustomize send one)", errNotResourceList)
	}
	if rl, ok := splitInput(data); ok {
		return rl, nil
	}
	return parseWhole(data)
}

// splitInput builds the resourceList from the raw sections. It declines
// (ok=false) whenever the full parser should have the last word.
func splitInput(data []byte) (*resourceList, bool) {
	sec, ok := splitResourceList(data)
	if !ok {
		return nil, false
	}
	rl := &resourceList{data: data}
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
	if text(root, "kind") != "ResourceList" {
		return nil, false
	}
	if fc := lookup(root, "functionConfig"); fc != nil && !isNull(fc) {
		rl.FunctionConfig = fc
	}
	rl.Items = make([]*inputItem, len(sec.items))
	for i, it := range sec.items {
		rl.Items[i] = &inputItem{entry: it}
	}
	return rl, true
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// parseWhole parses the input as one YAML document.
func parseWhole(data []byte) (*resourceList, error) {
	rl := &resourceList{}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("the input is not valid YAML: %v", err)
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
			rl.Items = make([]*inputItem, len(val.Content))
			for i, n := range val.Content {
				rl.Items[i] = &inputItem{node: n}
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

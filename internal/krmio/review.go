package krmio

import "go.yaml.in/yaml/v3"

// NodeItem is an item made from a parsed object (the review commands read
// streams and directories, not only ResourceLists).
func NodeItem(n *yaml.Node) *Item { return &Item{node: n} }

// Whole parses the input of rl as one YAML document: what Use falls back to
// when an item does not parse on its own.
func (rl *ResourceList) Whole() (*ResourceList, error) { return parseWhole(rl.data) }

package krmio

import "go.yaml.in/yaml/v3"

// NodeItem is an item made from a parsed object (the review commands read
// streams and directories, not only ResourceLists).
func NodeItem(n *yaml.Node) *Item { return &Item{node: n} }

// Whole parses the input of rl as one YAML document: what Use falls back to
// when an item does not parse on its own.
func (rl *ResourceList) Whole() (*ResourceList, error) { return parseWhole(rl.data) }

// Joined is one ResourceList made of items from several places (the review
// commands join what their PATHs hold) and a functionConfig. whole, when
// not nil, is what Use falls back to when an item does not parse on its
// own: the same items with every ResourceList among them parsed whole.
func Joined(items []*Item, functionConfig *yaml.Node, whole func() (*ResourceList, error)) *ResourceList {
	return &ResourceList{Items: items, FunctionConfig: functionConfig, whole: whole}
}

package krmio

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// maxExpandedNodes bounds how many nodes alias expansion may copy in one
// run (all items and the functionConfig together), so an alias bomb spread
// over many items cannot exhaust memory.
const maxExpandedNodes = 1 << 20

// SelfContained returns n with every alias to an anchor outside n replaced
// by a copy of its target. Each item is written as its own YAML Document,
// where an alias to another item's anchor (or to the functionConfig's)
// would dangle. Aliases inside n are left alone.
//
// It also writes every null as "null": yaml.v3 encodes a null scalar read
// from "key:" (an empty value) as ” — an empty string, a different value.
//
// Every call draws on one budget: pass the run's (ResourceList.budget), or
// nil for a budget of its own.
func SelfContained(n *yaml.Node) (*yaml.Node, error) { return selfContained(n, nil) }

func selfContained(n *yaml.Node, budget *int) (*yaml.Node, error) {
	spellNulls(n, map[*yaml.Node]bool{})
	inside := map[*yaml.Node]bool{}
	var mark func(*yaml.Node)
	mark = func(x *yaml.Node) {
		if x == nil || inside[x] {
			return
		}
		inside[x] = true
		for _, c := range x.Content {
			mark(c)
		}
	}
	mark(n)
	if !hasForeignAlias(n, inside, map[*yaml.Node]bool{}) {
		return n, nil
	}
	if budget == nil {
		b := maxExpandedNodes
		budget = &b
	}
	return copyNode(n, inside, budget)
}

func hasForeignAlias(x *yaml.Node, inside, seen map[*yaml.Node]bool) bool {
	if x == nil || seen[x] {
		return false
	}
	seen[x] = true
	if x.Kind == yaml.AliasNode && !inside[x.Alias] {
		return true
	}
	for _, c := range x.Content {
		if hasForeignAlias(c, inside, seen) {
			return true
		}
	}
	return false
}

func copyNode(x *yaml.Node, inside map[*yaml.Node]bool, budget *int) (*yaml.Node, error) {
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("YAML aliases between items expand to more than this input may copy (%d nodes, plus one per 8 input bytes, at most %d); write the items out without anchors", baseExpandedNodes, maxExpandedNodes)
	}
	if x.Kind == yaml.AliasNode && !inside[x.Alias] && x.Alias != nil {
		c, err := copyNode(x.Alias, inside, budget)
		if err != nil {
			return nil, err
		}
		c.Anchor = ""
		return c, nil
	}
	c := *x
	c.Content = make([]*yaml.Node, len(x.Content))
	for i, child := range x.Content {
		cc, err := copyNode(child, inside, budget)
		if err != nil {
			return nil, err
		}
		c.Content[i] = cc
	}
	return &c, nil
}

func spellNulls(x *yaml.Node, seen map[*yaml.Node]bool) {
	if x == nil || seen[x] {
		return
	}
	seen[x] = true
	if x.Kind == yaml.ScalarNode && x.Tag == "!!null" && x.Value == "" {
		x.Value = "null"
	}
	for _, c := range x.Content {
		spellNulls(c, seen)
	}
	spellNulls(x.Alias, seen)
}

// newBudget is the alias budget of a run over an input of size bytes: a
// fixed allowance plus one node per 8 input bytes, at most
// maxExpandedNodes. A copied node costs about 150 bytes, so expansion
// stays within the README's memory bound (64 MiB + 25 x input) however
// the aliases are arranged.
func newBudget(size int) *int {
	b := min(maxExpandedNodes, baseExpandedNodes+size/8)
	return &b
}

// baseExpandedNodes is what any input may expand, however small.
const baseExpandedNodes = 1 << 16

// Own returns n itself when no node in it is an alias or carries an
// anchor, and otherwise a deep copy of n with every alias expanded and
// every anchor dropped: a node the caller may change without changing
// another item, or another part of n, that shares a node with it through a
// YAML alias. The copy draws on the run's alias budget.
func (rl *ResourceList) Own(n *yaml.Node) (*yaml.Node, error) {
	if !shares(n, map[*yaml.Node]bool{}) {
		return n, nil
	}
	budget := rl.budget
	if budget == nil {
		b := maxExpandedNodes
		budget = &b
	}
	return ownCopy(n, budget)
}

func shares(x *yaml.Node, seen map[*yaml.Node]bool) bool {
	if x == nil || seen[x] {
		return false
	}
	seen[x] = true
	if x.Kind == yaml.AliasNode || x.Anchor != "" {
		return true
	}
	for _, c := range x.Content {
		if shares(c, seen) {
			return true
		}
	}
	return false
}

func ownCopy(x *yaml.Node, budget *int) (*yaml.Node, error) {
	if *budget--; *budget < 0 {
		return nil, fmt.Errorf("YAML aliases expand to more than this input may copy (%d nodes, plus one per 8 input bytes, at most %d); write the items out without anchors", baseExpandedNodes, maxExpandedNodes)
	}
	x = Deref(x)
	c := *x
	c.Anchor = ""
	c.Content = make([]*yaml.Node, len(x.Content))
	for i, child := range x.Content {
		cc, err := ownCopy(child, budget)
		if err != nil {
			return nil, err
		}
		c.Content[i] = cc
	}
	return &c, nil
}

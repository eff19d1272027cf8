package schemas

import (
	"sort"
	"strings"
)

// Label is one key/value pair of a label map.
type Label struct {
	Key   string
	Value string
}

// Labels is a label map that remembers the order its keys were written in.
// UDS derives object names from selector values in that order, so a plain Go
// map (random order) would make names unstable.
type Labels []Label

// Values returns the values in written order.
func (l Labels) Values() []string {
	out := make([]string, len(l))
	for i, kv := range l {
		out[i] = kv.Value
	}
	return out
}

// Canonical is an order-independent identity of the label set: two selectors
// with the same pairs in another key order select the same pods.
func (l Labels) Canonical() string {
	pairs := make([]string, len(l))
	for i, kv := range l {
		pairs[i] = kv.Key + "=" + kv.Value
	}
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// Map returns the labels as a Go map (for callers that do not care about order).
func (l Labels) Map() map[string]string {
	m := make(map[string]string, len(l))
	for _, kv := range l {
		m[kv.Key] = kv.Value
	}
	return m
}

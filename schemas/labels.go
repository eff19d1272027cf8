package schemas

import (
	"cmp"
	"slices"
	"sort"
	"strconv"
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

// Sorted returns the pairs sorted by key, then value: the label set as a
// value that does not depend on the order the keys were written in.
func (l Labels) Sorted() Labels {
	out := slices.Clone(l)
	slices.SortFunc(out, func(a, b Label) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Value, b.Value))
	})
	return out
}

// SameSet reports whether two label sets hold the same pairs, in any order:
// two selectors with the same pairs select the same pods.
func (l Labels) SameSet(o Labels) bool {
	return slices.Equal(l.Sorted(), o.Sorted())
}

// Contains reports whether every pair of o is in l: a pod that matches
// selector l then also matches selector o.
func (l Labels) Contains(o Labels) bool {
	for _, kv := range o {
		if !slices.Contains(l, kv) {
			return false
		}
	}
	return true
}

// Identity is a map key for the label set: the sorted pairs, each key and
// value quoted, so that no two different sets share it whatever characters
// their keys and values hold ({a: "b,c=d"} and {a: b, c: d} differ).
func (l Labels) Identity() string {
	var b strings.Builder
	for _, kv := range l.Sorted() {
		b.WriteString(strconv.Quote(kv.Key))
		b.WriteByte(':')
		b.WriteString(strconv.Quote(kv.Value))
		b.WriteByte(';')
	}
	return b.String()
}

// Canonical is the order-independent "k=v,k2=v2" spelling of the label set:
// the one spelling of a selector (the review prints grants' selectors with it).
// It is the hash input of hashed Sidecar names (so those names stay stable);
// it is not an identity — use SameSet or Identity to compare selectors.
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

package review

// Change is a grant whose protocol, widening or sources changed.
type Change struct {
	Before Grant `json:"before"`
	After  Grant `json:"after"`
}

// DiffResults are the error and warning results of both sides.
type DiffResults struct {
	Base []Result `json:"base"`
	Head []Result `json:"head"`
}

// Diff is what `diff` prints.
type Diff struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Added      []Grant  `json:"added"`
	Removed    []Grant  `json:"removed"`
	Changed    []Change `json:"changed"`
	// Effect is the change in the effect of the objects, when a side
	// holds objects but no Packages (a directory of rendered objects, a
	// cluster dump): drift.
	Effect  *EffectDiff `json:"effect,omitempty"`
	Results DiffResults `json:"results"`
}

// NewDiff compares two reports grant by grant: a grant is the same when its
// identity and host:port are; it changed when its protocol, its Anywhere
// flag or its sources differ.
func NewDiff(base, head Report) Diff {
	d := Diff{APIVersion: APIVersion, Kind: KindDiff, Added: []Grant{}, Removed: []Grant{}, Changed: []Change{},
		Results: DiffResults{Base: problems(base.Results), Head: problems(head.Results)}}
	before := make(map[string]Grant, len(base.Grants))
	for _, g := range base.Grants {
		before[g.key()] = g
	}
	seen := make(map[string]bool, len(head.Grants))
	for _, g := range head.Grants {
		k := g.key()
		seen[k] = true
		old, ok := before[k]
		switch {
		case !ok:
			d.Added = append(d.Added, g)
		case !sameGrant(old, g):
			d.Changed = append(d.Changed, Change{Before: old, After: g})
		}
	}
	for _, g := range base.Grants {
		if !seen[g.key()] {
			d.Removed = append(d.Removed, g)
		}
	}
	if base.effectOnly() || head.effectOnly() {
		d.Effect = newEffectDiff(base.Effect, head.Effect)
	}
	return d
}

// Empty reports whether the change leaves egress access as it was.
func (d Diff) Empty() bool {
	return len(d.Added)+len(d.Removed)+len(d.Changed) == 0 && d.Effect.empty()
}

// AddedWidening reports whether an added grant, or a change, newly lets a
// whole namespace or an Anywhere participant in.
func (d Diff) AddedWidening() bool {
	for _, g := range d.Added {
		if g.Widening() {
			return true
		}
	}
	for _, c := range d.Changed {
		if c.After.Anywhere && !c.Before.Anywhere || c.After.NamespaceWide() && !c.Before.NamespaceWide() {
			return true
		}
	}
	return false
}

// Errors counts the error results of both sides.
func (d Diff) Errors() int {
	return count(d.Results.Base, "error") + count(d.Results.Head, "error")
}

func sameGrant(a, b Grant) bool {
	if a.Protocol != b.Protocol || a.Anywhere != b.Anywhere || a.Reach != b.Reach || len(a.Sources) != len(b.Sources) || a.HTTPText() != b.HTTPText() {
		return false
	}
	for i := range a.Sources {
		if a.Sources[i] != b.Sources[i] {
			return false
		}
	}
	return true
}

// problems keeps the error and warning results.
func problems(rs []Result) []Result {
	out := []Result{}
	for _, r := range rs {
		if r.Severity == "error" || r.Severity == "warning" {
			out = append(out, r)
		}
	}
	return out
}

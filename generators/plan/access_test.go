package plan

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// accessesOf reads its requests as this oracle does: one access per
// identity, principals first, each kind sorted; its sources sorted by
// Package and entry, each once; Anywhere when any source is a participant.
func oracle(reqs []request) []Access {
	byID := map[Identity]*Access{}
	for _, r := range reqs {
		a := byID[r.id]
		if a == nil {
			a = &Access{Identity: r.id}
			byID[r.id] = a
		}
		a.Anywhere = a.Anywhere || r.src.Anywhere
		if !slices.Contains(a.Sources, r.src) {
			a.Sources = append(a.Sources, r.src)
		}
	}
	out := []Access{}
	for _, a := range byID {
		slices.SortFunc(a.Sources, compareSources)
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Access) int { return compareIdentities(a.Identity, b.Identity) })
	return out
}

// accessesOf is the oracle, and mergeSorted of two lists is accessesOf of
// all their requests: the same identities in the same order, the same
// Anywhere flags and sources.
func TestAccessesOfAndMergeSorted(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	random := func(anywhere bool) []request {
		var out []request
		for range rng.Intn(6) {
			n := fmt.Sprintf("n%d", rng.Intn(5))
			id := Identity{Namespace: n, Principal: "cluster.local/ns/" + n + "/sa/s"}
			if rng.Intn(3) == 0 {
				id = Identity{Namespace: fmt.Sprintf("n%d", rng.Intn(5))}
			}
			out = append(out, request{id: id, src: Source{Package: schemas.PackageID{Name: fmt.Sprint(rng.Intn(4)), Namespace: "ns"}, Entry: rng.Intn(3), Anywhere: anywhere}})
		}
		return out
	}
	of := func(reqs []request) []Access { return accessesOf(sortRequests(slices.Clone(reqs))) }
	for i := 0; i < 2000; i++ {
		owners, participants := random(false), random(true)
		all := slices.Concat(owners, participants)
		want := oracle(all)
		if got := of(all); !reflect.DeepEqual(want, got) && len(want)+len(got) > 0 {
			t.Fatalf("case %d:\noracle     %+v\naccessesOf %+v", i, want, got)
		}
		if got := mergeSorted(of(owners), of(participants)); !reflect.DeepEqual(want, got) && len(want)+len(got) > 0 {
			t.Fatalf("case %d:\noracle      %+v\nmergeSorted %+v", i, want, got)
		}
	}
}

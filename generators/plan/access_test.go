package plan

import (
	"fmt"
	"math/rand"
	"reflect"
	"testing"

	"github.com/uds-egress-fn/uds-egress-fn/schemas"
)

// mergeSorted of two merged lists is merge of the union of their sets:
// the same identities in the same order, the same Anywhere flags and
// sources.
func TestMergeSortedIsMergeOfTheUnion(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	randomSet := func(anywhere bool) accessSet {
		s := accessSet{}
		for range rng.Intn(6) {
			n := fmt.Sprintf("n%d", rng.Intn(5))
			id := Identity{Namespace: n, Principal: "cluster.local/ns/" + n + "/sa/s"}
			if rng.Intn(3) == 0 {
				id = Identity{Namespace: fmt.Sprintf("n%d", rng.Intn(5))}
			}
			s.add(id, Source{Package: schemas.PackageID{Name: fmt.Sprint(rng.Intn(4)), Namespace: "ns"}, Entry: rng.Intn(3), Anywhere: anywhere}, anywhere)
		}
		return s
	}
	for i := 0; i < 2000; i++ {
		owners, any, byPort := randomSet(false), randomSet(true), randomSet(true)
		want := merge(owners, any, byPort)
		got := mergeSorted(merge(owners), merge(any, byPort))
		if len(want) == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("case %d:\nmerge       %+v\nmergeSorted %+v", i, want, got)
		}
	}
}

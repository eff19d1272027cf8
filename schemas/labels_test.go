package schemas

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// Property: two label sets have one Identity exactly when they hold the
// same pairs, whatever characters keys and values hold (the alphabet is
// the separators a joined spelling would use).
func TestLabelsIdentityIsInjectiveProperty(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "b", "=", ",", ":", ";", `"`, `\`, ""}
	word := func() string {
		s := ""
		for i := rng.Intn(4); i > 0; i-- {
			s += alphabet[rng.Intn(len(alphabet))]
		}
		return s
	}
	set := func() Labels {
		var l Labels
		seen := map[string]bool{}
		for i := rng.Intn(4); i > 0; i-- {
			k := word()
			if !seen[k] { // a map: each key once
				seen[k] = true
				l = append(l, Label{k, word()})
			}
		}
		return l
	}
	for i := 0; i < 20000; i++ {
		a, b := set(), set()
		if rng.Intn(4) == 0 {
			b = append(Labels(nil), a...)
			rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
		}
		require.Equal(t, a.SameSet(b), a.Identity() == b.Identity(), "%q vs %q", a, b)
	}
}

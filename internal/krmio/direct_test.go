package krmio

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The ASCII path of keyLess orders keys as yaml.v3's (rune) order does,
// and a map's keys come out in the order yaml.v3 writes them.
func TestKeyOrderIsYAMLv3s(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := "ab0129-./_Z"
	m := map[string]string{}
	for len(m) < 400 {
		var b strings.Builder
		for range 1 + rng.Intn(8) {
			b.WriteByte(alphabet[rng.Intn(len(alphabet))])
		}
		m[b.String()] = "v"
	}
	names := make([]string, 0, len(m))
	keys := make([]reflect.Value, 0, len(m))
	for k := range m {
		names = append(names, k)
		keys = append(keys, reflect.ValueOf(k))
	}
	sortKeys(names, keys)
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(doc.Content[0].Content); i += 2 {
		want = append(want, doc.Content[0].Content[i].Value)
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("key order\n got %v\nwant %v", names, want)
	}
	for i := range names {
		for j := range names {
			a, b := names[i], names[j]
			if keyLessASCII(a, b) != keyLessRunes(a, b) {
				t.Fatalf("keyLess(%q, %q): ASCII path %v, rune path %v", a, b, keyLessASCII(a, b), keyLessRunes(a, b))
			}
		}
	}
	if !sort.SliceIsSorted(names, func(i, j int) bool { return keyLess(names[i], names[j]) }) {
		t.Error("not sorted")
	}
}

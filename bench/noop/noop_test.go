package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kptdev/krm-functions-sdk/go/fn"
	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/internal/benchcpu"
	"github.com/uds-egress-fn/uds-egress-fn/internal/fleetgen"
)

// BenchmarkNoop is the SDK baseline in process: fn.Run (parse into kyaml
// RNodes, sort, ToYAML) with a processor that changes nothing.
func BenchmarkNoop(b *testing.B) {
	noop := fn.ResourceListProcessorFunc(func(*fn.ResourceList) (bool, error) { return true, nil })
	for _, n := range []int{100, 1000, 10000} {
		in := fleetgen.Bytes(n, 1)
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			stop := benchcpu.Start(b)
			for b.Loop() {
				if _, err := fn.Run(noop, in); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

// BenchmarkEncode isolates the SDK's output step: yaml.v3 encoding the
// parsed fleet as one document (what ResourceList.ToYAML does) or item by
// item (what uds-egress-fn does). Both are linear in time; the emitter
// keeps every event of a document (about 280 bytes each) until the
// document ends, so one document holds the whole output's events at once.
func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var doc yaml.Node
		if err := yaml.Unmarshal(fleetgen.Bytes(n, 1), &doc); err != nil {
			b.Fatal(err)
		}
		var items []*yaml.Node
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "items" {
				items = root.Content[i+1].Content
			}
		}
		encode := func(b *testing.B, nodes ...*yaml.Node) {
			var buf bytes.Buffer
			for _, n := range nodes {
				enc := yaml.NewEncoder(&buf)
				enc.SetIndent(2)
				if err := enc.Encode(n); err != nil {
					b.Fatal(err)
				}
				enc.Close()
			}
		}
		b.Run(fmt.Sprintf("one-document/packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			stop := benchcpu.Start(b)
			for b.Loop() {
				encode(b, &doc)
			}
			stop()
		})
		b.Run(fmt.Sprintf("per-item/packages=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			stop := benchcpu.Start(b)
			for b.Loop() {
				encode(b, items...)
			}
			stop()
		})
	}
}

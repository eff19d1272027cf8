package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestThousandsLabels(t *testing.T) {
	labels := map[float64]string{}
	for _, tk := range (ticks{thousands: true}).Ticks(0, 50000) {
		if tk.Label != "" {
			labels[tk.Value] = tk.Label
		}
	}
	for v, want := range map[float64]string{0: "0", 25000: "25k", 50000: "50k"} {
		if labels[v] != want {
			t.Errorf("tick %v labelled %q, want %q (all: %v)", v, labels[v], want, labels)
		}
	}
	for _, tk := range (ticks{}).Ticks(0, 5000) {
		if tk.Value == 5000 && tk.Label != "5000" {
			t.Errorf("tick 5000 labelled %q without thousands", tk.Label)
		}
	}
}

// The committed results draw into a PNG of the expected size.
func TestPanelsFromCommittedResults(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "results", "latest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res results
	if err = json.Unmarshal(data, &res); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "p.png")
	if err = write(res, out); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 800 || b.Dy() < 400 {
		t.Errorf("image is %v", b)
	}
}

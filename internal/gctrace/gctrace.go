// Package gctrace reads what the Go runtime prints with GODEBUG=gctrace=1:
// one line per collection, with the heap it left live and the heap goal it
// set. The memory bound tests and make bench read it to show that the
// function's soft memory limit (memory.go) is a backstop only: on the
// bench fleets it never holds a heap goal down.
package gctrace

import (
	"bufio"
	"bytes"
	"regexp"
	"strconv"
)

// Cycle is one collection: its number, the heap it left live and the goal
// it ran against, in MB as the runtime prints them (rounded down).
type Cycle struct {
	N              int
	LiveMB, GoalMB int
}

// line matches "gc 12 @0.3s 4%: ... , 31->33->17 MB, 34 MB goal, ...".
var line = regexp.MustCompile(`^gc (\d+) @.* (\d+)->(\d+)->(\d+) MB, (\d+) MB goal`)

// Parse returns the collections in text (other lines are skipped).
func Parse(text []byte) []Cycle {
	var out []Cycle
	sc := bufio.NewScanner(bytes.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		m := line.FindSubmatch(sc.Bytes())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(string(m[1]))
		live, _ := strconv.Atoi(string(m[4]))
		goal, _ := strconv.Atoi(string(m[5]))
		out = append(out, Cycle{N: n, LiveMB: live, GoalMB: goal})
	}
	return out
}

// Held are the collections whose goal was lower than GOGC=100 sets it:
// twice the heap the previous collection left live (the runtime adds the
// stacks and globals, so the goal is never less; one MB allows for the
// rounding). Only a memory limit lowers a goal, so none is held when the
// limit never took effect.
func Held(cs []Cycle) []Cycle {
	var out []Cycle
	for i := 1; i < len(cs); i++ {
		if cs[i].GoalMB < 2*cs[i-1].LiveMB-1 {
			out = append(out, cs[i])
		}
	}
	return out
}

package gctrace

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Lines as Go 1.26 prints them, from a 10k fleet: the first run without a
// memory limit, the second with GOMEMLIMIT=48MiB.
const free = `gc 1 @0.002s 1%: 0.010+0.35+0.003 ms clock, 0.021+0.10/0.25/0.20+0.007 ms cpu, 5->5->4 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 2 P
uds-egress-fn: a line of the function's own
gc 2 @0.007s 2%: 0.011+1.2+0.004 ms clock, 0.022+0.4/1.1/0.9+0.008 ms cpu, 16->16->8 MB, 16 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 3 @0.074s 2%: 0.012+2.1+0.004 ms clock, 0.024+0.5/2.0/1.6+0.008 ms cpu, 15->16->16 MB, 16 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 4 @0.114s 3%: 0.013+3.3+0.005 ms clock, 0.026+0.6/3.1/2.5+0.010 ms cpu, 31->31->9 MB, 32 MB goal, 0 MB stacks, 0 MB globals, 2 P
`

const limited = `gc 20 @0.9s 9%: 0.02+9+0.01 ms clock, 0.05+1/8/6+0.02 ms cpu, 40->41->30 MB, 44 MB goal, 0 MB stacks, 0 MB globals, 2 P
gc 21 @0.95s 10%: 0.02+9+0.01 ms clock, 0.05+1/8/6+0.02 ms cpu, 44->45->31 MB, 45 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
`

func TestParse(t *testing.T) {
	cs := Parse([]byte(free))
	assert.Equal(t, []Cycle{{1, 4, 5}, {2, 8, 16}, {3, 16, 16}, {4, 9, 32}}, cs)
	assert.Empty(t, Parse([]byte("no trace here\n")))
}

func TestHeld(t *testing.T) {
	assert.Empty(t, Held(Parse([]byte(free))), "every goal is twice the live heap before it")
	assert.Equal(t, []Cycle{{21, 31, 45}}, Held(Parse([]byte(limited))), "45 MB is under twice 30 MB")
	// One MB of rounding either way is not a held goal.
	assert.Empty(t, Held([]Cycle{{1, 10, 20}, {2, 10, 19}}))
	assert.Equal(t, []Cycle{{2, 10, 18}}, Held([]Cycle{{1, 10, 20}, {2, 10, 18}}))
}

# Benchmarks and the fleet generator. The root Makefile includes this file
# (`include bench/bench.mk`); paths are relative to the repository root.
#
#   make fleet N=10000     writes bin/bench/fleet-10000.yaml (SEED=1)
#   make bench             end-to-end timings against the SDK no-op baseline
#                          and the release 796a688 (built from git), the
#                          Anywhere-heavy fleet and the 50 KB amplification
#                          input against the no-op over the same output,
#                          Go benchmarks, ratios and targets; writes
#                          bench/results/latest.json and docs/performance.png
#   make bench-smoke       every Go benchmark once (-benchtime=1x), for CI
#
# BENCH_SIZES, BENCH_SHAPES, BENCH_RELEASE and BENCH_REPS tune `make bench`, e.g.
#   make bench BENCH_SIZES=1000,10000 BENCH_REPS=3

BENCH_GO        := GOTOOLCHAIN=local CGO_ENABLED=0 go
BENCH_WORK      := bin/bench
BENCH_RESULTS   := bench/results/latest.json
BENCH_PLOT      := docs/performance.png
BENCH_SIZES     ?= 1000,10000,50000
BENCH_REPS      ?= 5
BENCH_SHAPES    ?= anywhere:100,anywhere:10000,amplification:50000
BENCH_RELEASE   ?= 796a688
BENCH_COUNT     ?= 5
BENCH_PKGS      := ./generators/plan ./generators/render ./fn ./bench/noop
N               ?= 10000
SEED            ?= 1

.PHONY: fleet bench bench-plot bench-smoke

## fleet: a ResourceList of N Packages (default 10000, SEED=1) in bin/bench/fleet-N.yaml
fleet:
	@mkdir -p $(BENCH_WORK)
	$(BENCH_GO) run ./bench/fleet -n $(N) -seed $(SEED) > $(BENCH_WORK)/fleet-$(N).yaml
	@echo "wrote $(BENCH_WORK)/fleet-$(N).yaml"

## bench: wall time and peak RSS against the SDK no-op baseline, Go benchmarks, growth, targets; writes bench/results/latest.json and docs/performance.png
bench:
	$(BENCH_GO) run ./bench/measure -sizes $(BENCH_SIZES) -reps $(BENCH_REPS) \
	  -bench-count $(BENCH_COUNT) -work $(BENCH_WORK) -out $(BENCH_RESULTS) \
	  -shapes '$(BENCH_SHAPES)' -release '$(BENCH_RELEASE)'
	$(BENCH_GO) run ./bench/plot -in $(BENCH_RESULTS) -out $(BENCH_PLOT)

## bench-plot: docs/performance.png from bench/results/latest.json
bench-plot:
	$(BENCH_GO) run ./bench/plot -in $(BENCH_RESULTS) -out $(BENCH_PLOT)

## bench-smoke: every Go benchmark once, to keep them compiling and running (CI)
bench-smoke:
	$(BENCH_GO) test -run '^$$' -bench . -benchtime 1x $(BENCH_PKGS)

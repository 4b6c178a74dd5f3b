"""Benchmarks of Annuaire: a tool, not the product (docs/ARCHITECTURE.md, "Scaling").

The package sits on top of the apps and imports them, never the reverse: `annuaire`, `territoires`,
`dispositifs`, `imports` and `maps` must not import `bench` (tests/test_bench_layout.py checks it).
Each benchmark prints its target beside its figure and OK or NON; `make bench` runs them all and
prints one summary table (`bench.summary`).
"""

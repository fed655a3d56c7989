"""Benchmarks: `make bench` (or `python -m bench [name ...]`). Figures go to docs/benchmarks.md."""

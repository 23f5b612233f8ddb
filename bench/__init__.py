"""Benchmarks: each module's run() returns rows; `python -m bench` writes bench/RESULTS.md."""

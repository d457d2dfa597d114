"""Benchmarks and the performance budget (see docs/performance.md)."""

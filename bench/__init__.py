"""Benchmarks (`make bench`): figures are measured here, never in the test suite."""

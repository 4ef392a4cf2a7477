"""Benchmarks: each prints case, ours (median), baseline (median, same run), ratio, target."""

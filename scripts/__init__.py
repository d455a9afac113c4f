"""Operator and developer commands (dev runtime, bundle tooling, benchmarks)."""

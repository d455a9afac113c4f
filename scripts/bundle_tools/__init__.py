"""Tooling behind `scripts/bundle.py`: script metadata and locks, and the bundle's conformance checks.

Every check takes the repository root as a `Path`, so the tests run the same code on the repo and
on crafted copies that must fail.
"""

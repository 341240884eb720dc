"""Benchmarks behind `make bench`: a script that prints figures, never a timed test."""

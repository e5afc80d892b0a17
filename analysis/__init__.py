"""Comparing two codebases: hidden-test pass rates, structure, metrics, similarity, journal metrics,
statistics and reports. Works on any two directories; imports neither `agents` nor `experiments`."""

__all__: list[str] = []

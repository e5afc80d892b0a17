"""Errors raised by the limiter factory."""

from __future__ import annotations


class SpecError(ValueError):
    """A limiter specification (string or dict) is malformed."""

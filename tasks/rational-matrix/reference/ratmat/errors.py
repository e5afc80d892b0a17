"""Exceptions raised by :mod:`ratmat`."""

from __future__ import annotations


class SingularMatrixError(ValueError):
    """Raised when an operation needs an invertible matrix but the matrix is singular."""

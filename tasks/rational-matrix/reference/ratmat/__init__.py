"""Exact linear algebra over fractions.Fraction."""

from ratmat.errors import SingularMatrixError
from ratmat.linalg import determinant, inverse, rank, rref, solve, trace
from ratmat.matrix import Matrix

__all__ = [
    "Matrix",
    "SingularMatrixError",
    "determinant",
    "inverse",
    "rank",
    "rref",
    "solve",
    "trace",
]

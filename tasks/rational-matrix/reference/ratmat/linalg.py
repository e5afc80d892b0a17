"""Exact Gaussian elimination on :class:`~ratmat.matrix.Matrix`."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from ratmat.errors import SingularMatrixError
from ratmat.matrix import Matrix, to_fraction


def _require_matrix(m: Any) -> Matrix:
    if not isinstance(m, Matrix):
        raise TypeError(f"expected a Matrix, got {type(m).__name__}")
    return m


def _require_square(m: Any) -> Matrix:
    m = _require_matrix(m)
    if not m.is_square:
        raise ValueError(f"matrix must be square, got shape {m.shape}")
    return m


def _eliminate(rows: list[list[Fraction]]) -> list[int]:
    """Reduce rows in place to reduced row-echelon form and return the pivot columns."""
    nrows, ncols = len(rows), len(rows[0])
    pivots: list[int] = []
    r = 0
    for c in range(ncols):
        if r == nrows:
            break
        pivot = next((i for i in range(r, nrows) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][c]
        rows[r] = [v / lead for v in rows[r]]
        for i in range(nrows):
            factor = rows[i][c]
            if i != r and factor != 0:
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1
    return pivots


def rref(m: Matrix) -> tuple[Matrix, tuple[int, ...]]:
    """The reduced row-echelon form of m and the indices of its pivot columns."""
    rows = _require_matrix(m).to_list()
    pivots = _eliminate(rows)
    return Matrix(rows), tuple(pivots)


def rank(m: Matrix) -> int:
    """The rank of m (the number of pivots of its row-echelon form)."""
    return len(rref(m)[1])


def trace(m: Matrix) -> Fraction:
    """The sum of the diagonal of a square matrix."""
    m = _require_square(m)
    return sum((m[i, i] for i in range(m.nrows)), Fraction(0))


def determinant(m: Matrix) -> Fraction:
    """The determinant of a square matrix, by fraction-exact elimination."""
    rows = _require_square(m).to_list()
    n = len(rows)
    det = Fraction(1)
    for c in range(n):
        pivot = next((i for i in range(c, n) if rows[i][c] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != c:
            rows[c], rows[pivot] = rows[pivot], rows[c]
            det = -det
        lead = rows[c][c]
        det *= lead
        for i in range(c + 1, n):
            factor = rows[i][c] / lead
            if factor != 0:
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[c], strict=True)]
    return det


def _solve_matrix(a: Matrix, b: Matrix) -> Matrix:
    """Solve a @ x == b for a square, invertible a by Gauss-Jordan elimination."""
    n = a.nrows
    augmented = [list(a.row(i)) + list(b.row(i)) for i in range(n)]
    pivots = _eliminate(augmented)
    if pivots[:n] != list(range(n)):
        raise SingularMatrixError("matrix is singular")
    return Matrix([row[n:] for row in augmented])


def inverse(m: Matrix) -> Matrix:
    """The inverse of a square matrix; SingularMatrixError if it has none."""
    m = _require_square(m)
    return _solve_matrix(m, Matrix.identity(m.nrows))


def solve(a: Matrix, b: Matrix | Sequence[Any]) -> Matrix | list[Fraction]:
    """Solve a @ x == b exactly.

    b is either a Matrix with as many rows as a (the result is a Matrix of the
    same shape as b) or a list/tuple of scalars (the result is a list of Fractions).
    """
    a = _require_square(a)
    if isinstance(b, Matrix):
        if b.nrows != a.nrows:
            raise ValueError(f"b has {b.nrows} rows, expected {a.nrows}")
        return _solve_matrix(a, b)
    if isinstance(b, list | tuple):
        if len(b) != a.nrows:
            raise ValueError(f"b has {len(b)} entries, expected {a.nrows}")
        column = Matrix([[to_fraction(v)] for v in b])
        return list(_solve_matrix(a, column).col(0))
    raise TypeError(f"b must be a Matrix, list or tuple, not {type(b).__name__}")

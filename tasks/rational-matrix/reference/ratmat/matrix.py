"""An immutable matrix of exact rational numbers."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

Scalar = int | Fraction


def to_fraction(value: Any) -> Fraction:
    """Convert an int, a Fraction or a fraction string to a Fraction.

    Raises TypeError for other types (floats and bools included) and ValueError
    for strings that do not denote a rational number.
    """
    if isinstance(value, bool):
        raise TypeError(f"matrix entries must be int, Fraction or str, not {value!r}")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueError(f"not a rational number: {value!r}") from exc
    raise TypeError(f"matrix entries must be int, Fraction or str, not {type(value).__name__}")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, int | Fraction) and not isinstance(value, bool)


def _dot(left: Sequence[Fraction], right: Sequence[Fraction]) -> Fraction:
    return sum((a * b for a, b in zip(left, right, strict=True)), Fraction(0))


def _check_index(index: Any, size: int, what: str) -> int:
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"{what} index must be an int, not {type(index).__name__}")
    if not -size <= index < size:
        raise IndexError(f"{what} index {index} out of range for size {size}")
    return index % size


class Matrix:
    """A non-empty, immutable, rectangular matrix of Fractions."""

    __slots__ = ("_ncols", "_nrows", "_rows")

    def __init__(self, rows: Sequence[Sequence[Any]]) -> None:
        if not isinstance(rows, list | tuple):
            raise TypeError("rows must be a list or tuple of rows")
        if not rows:
            raise ValueError("a matrix needs at least one row")
        converted: list[tuple[Fraction, ...]] = []
        for row in rows:
            if not isinstance(row, list | tuple):
                raise TypeError("each row must be a list or tuple")
            converted.append(tuple(to_fraction(value) for value in row))
        ncols = len(converted[0])
        if ncols == 0:
            raise ValueError("a matrix needs at least one column")
        if any(len(row) != ncols for row in converted):
            raise ValueError("all rows must have the same length")
        self._rows: tuple[tuple[Fraction, ...], ...] = tuple(converted)
        self._nrows = len(converted)
        self._ncols = ncols

    @classmethod
    def identity(cls, n: int) -> Matrix:
        """The n-by-n identity matrix."""
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"size must be a positive int, got {n!r}")
        return cls([[1 if i == j else 0 for j in range(n)] for i in range(n)])

    @classmethod
    def zeros(cls, nrows: int, ncols: int) -> Matrix:
        """The nrows-by-ncols zero matrix."""
        for size in (nrows, ncols):
            if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
                raise ValueError(f"sizes must be positive ints, got {size!r}")
        return cls([[0] * ncols for _ in range(nrows)])

    @property
    def shape(self) -> tuple[int, int]:
        """(number of rows, number of columns)."""
        return (self._nrows, self._ncols)

    @property
    def nrows(self) -> int:
        """Number of rows."""
        return self._nrows

    @property
    def ncols(self) -> int:
        """Number of columns."""
        return self._ncols

    @property
    def is_square(self) -> bool:
        """Whether the matrix has as many rows as columns."""
        return self._nrows == self._ncols

    def __getitem__(self, key: tuple[int, int]) -> Fraction:
        if not isinstance(key, tuple) or len(key) != 2:
            raise TypeError("index a matrix with m[i, j]")
        i = _check_index(key[0], self._nrows, "row")
        j = _check_index(key[1], self._ncols, "column")
        return self._rows[i][j]

    def row(self, i: int) -> tuple[Fraction, ...]:
        """Row i as a tuple."""
        return self._rows[_check_index(i, self._nrows, "row")]

    def col(self, j: int) -> tuple[Fraction, ...]:
        """Column j as a tuple."""
        j = _check_index(j, self._ncols, "column")
        return tuple(row[j] for row in self._rows)

    def to_list(self) -> list[list[Fraction]]:
        """A fresh list of lists holding the entries."""
        return [list(row) for row in self._rows]

    def transpose(self) -> Matrix:
        """The transposed matrix."""
        return Matrix([self.col(j) for j in range(self._ncols)])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Matrix):
            return NotImplemented
        return self._rows == other._rows

    def __hash__(self) -> int:
        return hash(self._rows)

    def __repr__(self) -> str:
        body = ", ".join("[" + ", ".join(str(v) for v in row) + "]" for row in self._rows)
        return f"Matrix([{body}])"

    def _elementwise(self, other: Matrix, op: Callable[[Fraction, Fraction], Fraction]) -> Matrix:
        if self.shape != other.shape:
            raise ValueError(f"shape mismatch: {self.shape} vs {other.shape}")
        return Matrix(
            [
                [op(a, b) for a, b in zip(r, s, strict=True)]
                for r, s in zip(self._rows, other._rows, strict=True)
            ]
        )

    def __add__(self, other: object) -> Matrix:
        if not isinstance(other, Matrix):
            return NotImplemented
        return self._elementwise(other, operator.add)

    def __sub__(self, other: object) -> Matrix:
        if not isinstance(other, Matrix):
            return NotImplemented
        return self._elementwise(other, operator.sub)

    def __neg__(self) -> Matrix:
        return Matrix([[-v for v in row] for row in self._rows])

    def __mul__(self, scalar: object) -> Matrix:
        if not _is_scalar(scalar):
            return NotImplemented
        return Matrix([[v * scalar for v in row] for row in self._rows])  # type: ignore[operator]

    def __rmul__(self, scalar: object) -> Matrix:
        return self.__mul__(scalar)

    def __matmul__(self, other: object) -> Matrix:
        if not isinstance(other, Matrix):
            return NotImplemented
        if self._ncols != other._nrows:
            raise ValueError(f"cannot multiply {self.shape} by {other.shape}")
        columns = [other.col(j) for j in range(other._ncols)]
        return Matrix([[_dot(row, col) for col in columns] for row in self._rows])

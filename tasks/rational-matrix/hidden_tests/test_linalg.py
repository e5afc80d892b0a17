from fractions import Fraction

import pytest
from ratmat import (
    Matrix,
    SingularMatrixError,
    determinant,
    inverse,
    rank,
    rref,
    solve,
    trace,
)

F = Fraction


def test_singular_matrix_error_is_value_error():
    assert issubclass(SingularMatrixError, ValueError)


def test_determinant_small():
    assert determinant(Matrix([[5]])) == 5
    assert determinant(Matrix([[1, 2], [3, 4]])) == -2
    assert determinant(Matrix([[2, 0, 1], [1, 3, 2], [1, 1, 2]])) == 6
    assert determinant(Matrix([[6, 1, 1], [4, -2, 5], [2, 8, 7]])) == -306
    assert isinstance(determinant(Matrix([[1, 2], [3, 4]])), Fraction)


def test_determinant_needs_row_swap():
    # leading zero forces a pivot swap, which flips the sign
    assert determinant(Matrix([[0, 1], [1, 0]])) == -1
    assert determinant(Matrix([[0, 2, 1], [3, 0, 0], [0, 0, 4]])) == -24


def test_determinant_exact_fractions():
    m = Matrix([["1/2", "1/3"], ["1/4", "1/5"]])
    assert determinant(m) == F(1, 10) - F(1, 12)
    hilbert = Matrix([[F(1, i + j + 1) for j in range(4)] for i in range(4)])
    assert determinant(hilbert) == F(1, 6048000)


def test_determinant_singular_is_zero():
    assert determinant(Matrix([[1, 2], [2, 4]])) == 0
    assert determinant(Matrix.zeros(3, 3)) == 0
    assert determinant(Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]])) == 0


def test_determinant_of_identity_and_product():
    a = Matrix([[2, 1, 0], [1, 3, 1], [0, 1, 4]])
    b = Matrix([[1, -1, 2], [0, 1, 1], [3, 0, 1]])
    assert determinant(Matrix.identity(5)) == 1
    assert determinant(a @ b) == determinant(a) * determinant(b)
    assert determinant(a.transpose()) == determinant(a)


def test_determinant_does_not_modify_argument():
    m = Matrix([[0, 1], [1, 0]])
    determinant(m)
    assert m == Matrix([[0, 1], [1, 0]])


@pytest.mark.parametrize("func", [determinant, inverse, trace])
def test_square_only_functions_reject_non_square(func):
    with pytest.raises(ValueError):
        func(Matrix([[1, 2, 3], [4, 5, 6]]))


@pytest.mark.parametrize("func", [determinant, inverse, rank, rref, trace])
def test_functions_reject_non_matrix(func):
    with pytest.raises(TypeError):
        func([[1, 2], [3, 4]])


def test_trace():
    assert trace(Matrix([[1, 2], [3, "1/2"]])) == F(3, 2)
    assert isinstance(trace(Matrix([[7]])), Fraction)


def test_inverse_2x2():
    m = Matrix([[4, 7], [2, 6]])
    inv = inverse(m)
    assert inv == Matrix([["3/5", "-7/10"], ["-1/5", "2/5"]])
    assert m @ inv == Matrix.identity(2)
    assert inv @ m == Matrix.identity(2)


def test_inverse_needs_pivoting_and_roundtrips():
    m = Matrix([[0, 1, 2], [1, 0, 3], [4, -3, 8]])
    inv = inverse(m)
    assert m @ inv == Matrix.identity(3)
    assert inverse(inv) == m
    assert m == Matrix([[0, 1, 2], [1, 0, 3], [4, -3, 8]])


def test_inverse_of_hilbert_is_exact():
    hilbert = Matrix([[F(1, i + j + 1) for j in range(3)] for i in range(3)])
    assert inverse(hilbert) == Matrix([[9, -36, 30], [-36, 192, -180], [30, -180, 180]])


@pytest.mark.parametrize(
    "rows",
    [[[1, 2], [2, 4]], [[0]], [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 0], [0, 0]]],
)
def test_inverse_singular_raises(rows):
    with pytest.raises(SingularMatrixError):
        inverse(Matrix(rows))


def test_solve_with_list_returns_list_of_fractions():
    a = Matrix([[2, 1, -1], [-3, -1, 2], [-2, 1, 2]])
    x = solve(a, [8, -11, -3])
    assert x == [2, 3, -1]
    assert isinstance(x, list)
    assert all(type(v) is Fraction for v in x)


def test_solve_with_tuple_and_fraction_strings():
    a = Matrix([[1, 1], [1, -1]])
    assert solve(a, ("1/2", "1/3")) == [F(5, 12), F(1, 12)]


def test_solve_with_matrix_rhs():
    a = Matrix([[2, 0], [1, 3]])
    b = Matrix([[2, 4, 0], [4, 5, 3]])
    x = solve(a, b)
    assert isinstance(x, Matrix)
    assert x.shape == (2, 3)
    assert a @ x == b
    assert x == Matrix([[1, 2, 0], [1, 1, 1]])


def test_solve_requires_pivot_swap():
    a = Matrix([[0, 1], [1, 0]])
    assert solve(a, [3, 4]) == [4, 3]


def test_solve_singular_raises_even_if_consistent():
    a = Matrix([[1, 2], [2, 4]])
    with pytest.raises(SingularMatrixError):
        solve(a, [1, 2])
    with pytest.raises(SingularMatrixError):
        solve(a, Matrix([[1], [3]]))


def test_solve_shape_errors():
    a = Matrix([[1, 2], [3, 4]])
    with pytest.raises(ValueError):
        solve(a, [1, 2, 3])
    with pytest.raises(ValueError):
        solve(a, Matrix([[1], [2], [3]]))
    with pytest.raises(ValueError):
        solve(Matrix([[1, 2, 3], [4, 5, 6]]), [1, 2])


def test_solve_type_errors():
    a = Matrix([[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        solve(a, 5)
    with pytest.raises(TypeError):
        solve(a, [1.5, 2])
    with pytest.raises(TypeError):
        solve([[1, 2], [3, 4]], [1, 2])


def test_rref_full_rank_square_is_identity():
    r, pivots = rref(Matrix([[2, 1], [1, 3]]))
    assert r == Matrix.identity(2)
    assert pivots == (0, 1)
    assert isinstance(pivots, tuple)


def test_rref_rectangular_with_free_column():
    m = Matrix([[1, 2, -1, -4], [2, 3, -1, -11], [-2, 0, -3, 22]])
    r, pivots = rref(m)
    assert r == Matrix([[1, 0, 0, -8], [0, 1, 0, 1], [0, 0, 1, -2]])
    assert pivots == (0, 1, 2)


def test_rref_rank_deficient_puts_zero_rows_last():
    m = Matrix([[0, 0, 0], [1, 2, 3], [2, 4, 7]])
    r, pivots = rref(m)
    assert r == Matrix([[1, 2, 0], [0, 0, 1], [0, 0, 0]])
    assert pivots == (0, 2)


def test_rref_with_fractions_and_does_not_modify_argument():
    m = Matrix([[3, 1, 2], [6, 2, 5]])
    r, pivots = rref(m)
    assert r == Matrix([[1, "1/3", 0], [0, 0, 1]])
    assert pivots == (0, 2)
    assert m == Matrix([[3, 1, 2], [6, 2, 5]])


def test_rref_of_zero_matrix():
    r, pivots = rref(Matrix.zeros(2, 3))
    assert r == Matrix.zeros(2, 3)
    assert pivots == ()


def test_rank():
    assert rank(Matrix.identity(4)) == 4
    assert rank(Matrix.zeros(3, 2)) == 0
    assert rank(Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]])) == 2
    assert rank(Matrix([[1, 2], [2, 4], [3, 6]])) == 1
    assert rank(Matrix([[1, 0, 2, 0], [0, 1, 0, 3]])) == 2
    assert rank(Matrix([["1/2", "1/3"], ["1/4", "1/5"]])) == 2

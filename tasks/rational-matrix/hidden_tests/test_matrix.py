from fractions import Fraction

import pytest
from ratmat import Matrix

F = Fraction


def test_construction_converts_entries_to_fraction():
    m = Matrix([[1, "1/2"], [F(2, 3), "-4"]])
    assert m.shape == (2, 2)
    assert m[0, 1] == F(1, 2)
    assert m[1, 0] == F(2, 3)
    assert m[1, 1] == -4
    for i in range(2):
        for j in range(2):
            assert type(m[i, j]) is Fraction


def test_construction_from_tuples_and_shape_properties():
    m = Matrix(((1, 2, 3), (4, 5, 6)))
    assert m.shape == (2, 3)
    assert m.nrows == 2
    assert m.ncols == 3
    assert m.is_square is False
    assert Matrix([[7]]).is_square is True


@pytest.mark.parametrize(
    "rows",
    [[], [[]], [[1, 2], [3]], [[1], [2, 3]], [[1, "abc"]], [["1/0"]]],
)
def test_invalid_construction_raises_value_error(rows):
    with pytest.raises(ValueError):
        Matrix(rows)


@pytest.mark.parametrize(
    "rows",
    [[[1.5]], [[True, 0]], [[None]], "12", [1, 2], 5, [[1], 2]],
)
def test_invalid_construction_raises_type_error(rows):
    with pytest.raises(TypeError):
        Matrix(rows)


def test_matrix_does_not_alias_input_lists():
    rows = [[1, 2], [3, 4]]
    m = Matrix(rows)
    rows[0][0] = 99
    rows.append([5, 6])
    assert m[0, 0] == 1
    assert m.shape == (2, 2)


def test_identity_and_zeros():
    assert Matrix.identity(3) == Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Matrix.zeros(2, 3) == Matrix([[0, 0, 0], [0, 0, 0]])
    assert Matrix.identity(1) == Matrix([[1]])


@pytest.mark.parametrize("args", [(0,), (-2,)])
def test_identity_invalid_size(args):
    with pytest.raises(ValueError):
        Matrix.identity(*args)


@pytest.mark.parametrize("args", [(0, 2), (2, 0), (-1, 3)])
def test_zeros_invalid_size(args):
    with pytest.raises(ValueError):
        Matrix.zeros(*args)


def test_negative_indices_and_rows_cols():
    m = Matrix([[1, 2, 3], [4, 5, 6]])
    assert m[-1, -1] == 6
    assert m[-2, 0] == 1
    assert m.row(1) == (4, 5, 6)
    assert m.col(-1) == (3, 6)
    assert isinstance(m.row(0), tuple)
    assert isinstance(m.col(0), tuple)
    assert all(type(v) is Fraction for v in m.col(2))


@pytest.mark.parametrize("key", [(2, 0), (0, 3), (-3, 0), (0, -4)])
def test_index_out_of_range(key):
    m = Matrix([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(IndexError):
        m[key]


def test_row_col_out_of_range():
    m = Matrix([[1, 2], [3, 4]])
    with pytest.raises(IndexError):
        m.row(2)
    with pytest.raises(IndexError):
        m.col(-3)


@pytest.mark.parametrize("key", [0, (0,), (0, 1, 2), ("a", 0), (0, 1.0)])
def test_bad_index_type(key):
    m = Matrix([[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        m[key]


def test_item_assignment_not_supported():
    m = Matrix([[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        m[0, 0] = 5
    assert m[0, 0] == 1


def test_to_list_returns_fresh_copy():
    m = Matrix([[1, "1/3"], [0, 2]])
    lst = m.to_list()
    assert lst == [[F(1), F(1, 3)], [F(0), F(2)]]
    assert all(type(v) is Fraction for row in lst for v in row)
    lst[0][0] = F(100)
    assert m[0, 0] == 1
    assert m.to_list() is not m.to_list()


def test_transpose():
    m = Matrix([[1, 2, 3], [4, 5, 6]])
    t = m.transpose()
    assert t == Matrix([[1, 4], [2, 5], [3, 6]])
    assert t.shape == (3, 2)
    assert t.transpose() == m
    assert m.shape == (2, 3)


def test_equality_and_hash():
    a = Matrix([[1, "2/4"]])
    b = Matrix([[F(1), F(1, 2)]])
    assert a == b
    assert not (a != b)
    assert hash(a) == hash(b)
    assert len({a, b}) == 1
    assert Matrix([[1, 2]]) != Matrix([[1], [2]])
    assert Matrix([[1, 2]]) != Matrix([[1, 3]])


def test_matrix_never_equals_non_matrix():
    m = Matrix([[1, 2], [3, 4]])
    assert m != [[1, 2], [3, 4]]
    assert not (m == [[1, 2], [3, 4]])
    assert Matrix([[1]]) != 1
    assert Matrix([[1]]) != F(1)


def test_add_sub_neg():
    a = Matrix([[1, 2], [3, 4]])
    b = Matrix([["1/2", 0], [-1, "1/3"]])
    assert a + b == Matrix([["3/2", 2], [2, "13/3"]])
    assert a - b == Matrix([["1/2", 2], [4, "11/3"]])
    assert -a == Matrix([[-1, -2], [-3, -4]])
    assert a == Matrix([[1, 2], [3, 4]])


def test_add_sub_shape_mismatch():
    a = Matrix([[1, 2], [3, 4]])
    b = Matrix([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError):
        a + b
    with pytest.raises(ValueError):
        b - a


@pytest.mark.parametrize("other", [1, F(1, 2), 1.5, "x", [[1, 2], [3, 4]]])
def test_add_non_matrix_raises_type_error(other):
    a = Matrix([[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        a + other
    with pytest.raises(TypeError):
        a - other


def test_scalar_multiplication_both_sides():
    m = Matrix([[1, -2], ["1/3", 0]])
    assert m * 3 == Matrix([[3, -6], [1, 0]])
    assert 3 * m == Matrix([[3, -6], [1, 0]])
    assert m * F(3, 2) == Matrix([["3/2", -3], ["1/2", 0]])
    assert F(3, 2) * m == m * F(3, 2)
    assert m * 0 == Matrix.zeros(2, 2)


def test_star_between_matrices_or_bad_scalars_raises_type_error():
    m = Matrix([[1, 2], [3, 4]])
    with pytest.raises(TypeError):
        m * m
    with pytest.raises(TypeError):
        m * 1.5
    with pytest.raises(TypeError):
        2.0 * m
    with pytest.raises(TypeError):
        m * "2"


def test_matrix_product():
    a = Matrix([[1, 2, 3], [4, 5, 6]])
    b = Matrix([[7, 8], [9, 10], [11, 12]])
    assert a @ b == Matrix([[58, 64], [139, 154]])
    assert (b @ a).shape == (3, 3)
    assert b @ a == Matrix([[39, 54, 69], [49, 68, 87], [59, 82, 105]])


def test_matrix_product_with_fractions_and_identity():
    a = Matrix([["1/2", "1/3"], ["1/4", "1/5"]])
    assert a @ Matrix.identity(2) == a
    assert Matrix.identity(2) @ a == a
    assert a @ a == Matrix([["1/3", "7/30"], ["7/40", "37/300"]])


def test_matrix_product_shape_mismatch():
    a = Matrix([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(ValueError):
        a @ a
    with pytest.raises(TypeError):
        a @ 2


def test_vector_shapes_product():
    row = Matrix([[1, 2, 3]])
    col = Matrix([[4], [5], [6]])
    assert row @ col == Matrix([[32]])
    assert col @ row == Matrix([[4, 8, 12], [5, 10, 15], [6, 12, 18]])


def test_repr_format():
    assert repr(Matrix([[1, "1/2"], [0, -3]])) == "Matrix([[1, 1/2], [0, -3]])"
    assert repr(Matrix([[F(-6, 4)]])) == "Matrix([[-3/2]])"
    assert repr(Matrix([[1, 2, 3]])) == "Matrix([[1, 2, 3]])"
    assert repr(Matrix([[1], [2]])) == "Matrix([[1], [2]])"

import pytest
from exprlang import ExprError, LexError, Token, tokenize


def kinds_values(src):
    return [(t.kind, t.value) for t in tokenize(src)]


def test_simple_expression_tokens():
    assert kinds_values("x + 12 * 3.5") == [
        ("name", "x"),
        ("op", "+"),
        ("int", 12),
        ("op", "*"),
        ("float", 3.5),
        ("eof", None),
    ]


def test_token_value_types():
    toks = tokenize("7 7.0")
    assert type(toks[0].value) is int
    assert type(toks[1].value) is float


def test_keywords_and_names():
    assert kinds_values("let fn if then else and or not true false nil lettuce _x1") == [
        ("keyword", "let"),
        ("keyword", "fn"),
        ("keyword", "if"),
        ("keyword", "then"),
        ("keyword", "else"),
        ("keyword", "and"),
        ("keyword", "or"),
        ("keyword", "not"),
        ("keyword", "true"),
        ("keyword", "false"),
        ("keyword", "nil"),
        ("name", "lettuce"),
        ("name", "_x1"),
        ("eof", None),
    ]


def test_longest_match_operators():
    ops = [t.value for t in tokenize("== != <= >= => = < > ( ) , ; { } + - * / % ^")][:-1]
    assert ops == [
        "==", "!=", "<=", ">=", "=>", "=", "<", ">", "(", ")", ",", ";", "{", "}",
        "+", "-", "*", "/", "%", "^",
    ]  # fmt: skip


def test_adjacent_operators_without_spaces():
    assert kinds_values("a<=-b") == [
        ("name", "a"),
        ("op", "<="),
        ("op", "-"),
        ("name", "b"),
        ("eof", None),
    ]


def test_string_escapes_are_decoded():
    toks = tokenize(r'"a\"b\\c\nd\te"')
    assert toks[0].kind == "string"
    assert toks[0].value == 'a"b\\c\nd\te'


def test_positions_lines_and_columns():
    toks = tokenize('let x = 1;\n  x + "s"  # comment\n\tfoo')
    positions = [(t.kind, t.value, t.line, t.column) for t in toks]
    assert positions == [
        ("keyword", "let", 1, 1),
        ("name", "x", 1, 5),
        ("op", "=", 1, 7),
        ("int", 1, 1, 9),
        ("op", ";", 1, 10),
        ("name", "x", 2, 3),
        ("op", "+", 2, 5),
        ("string", "s", 2, 7),
        ("name", "foo", 3, 2),
        ("eof", None, 3, 5),
    ]


@pytest.mark.parametrize(
    ("src", "line", "column"),
    [("", 1, 1), ("ab\n", 2, 1), ("ab", 1, 3), ("# only a comment", 1, 17)],
)
def test_eof_position(src, line, column):
    toks = tokenize(src)
    eof = toks[-1]
    assert (eof.kind, eof.value, eof.line, eof.column) == ("eof", None, line, column)


def test_token_is_immutable():
    tok = tokenize("x")[0]
    assert isinstance(tok, Token)
    with pytest.raises((AttributeError, TypeError)):
        tok.value = "y"


@pytest.mark.parametrize(
    ("src", "line", "column"),
    [
        ("1 + @", 1, 5),
        ("a ! b", 1, 3),
        ("x\n  $", 2, 3),
        ("1.", 1, 2),
        ("12.x", 1, 3),
        (".5", 1, 1),
        ("caf\u00e9", 1, 4),
        ('"abc', 1, 1),
        ('x = "ab\ncd"', 1, 5),
        (r'"a\qb"', 1, 3),
    ],
)
def test_lex_errors_and_positions(src, line, column):
    with pytest.raises(LexError) as info:
        tokenize(src)
    assert (info.value.line, info.value.column) == (line, column)
    assert isinstance(info.value, ExprError)


def test_error_str_format():
    err = LexError("boom", 3, 4)
    assert err.message == "boom"
    assert (err.line, err.column) == (3, 4)
    assert str(err) == "boom at line 3, column 4"

import pytest
from exprlang import LexError, ParseError, dump, parse


def d(src):
    return dump(parse(src))


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("1 + 2 * 3", "(program (+ 1 (* 2 3)))"),
        ("(1 + 2) * 3", "(program (* (+ 1 2) 3))"),
        ("a - b - c", "(program (- (- a b) c))"),
        ("a / b * c % d", "(program (% (* (/ a b) c) d))"),
        ("2 ^ 3 ^ 2", "(program (^ 2 (^ 3 2)))"),
        ("-2 ^ 2", "(program (- (^ 2 2)))"),
        ("2 ^ -1", "(program (^ 2 (- 1)))"),
        ("--x", "(program (- (- x)))"),
        ("-a * b", "(program (* (- a) b))"),
        ("not a == b", "(program (not (== a b)))"),
        ("not not a", "(program (not (not a)))"),
        ("a or b and c", "(program (or a (and b c)))"),
        ("a and b or c and d", "(program (or (and a b) (and c d)))"),
        ("a < b + 1 and b >= c", "(program (and (< a (+ b 1)) (>= b c)))"),
        ("f(1)(2, x)", "(program (call (call f 1) 2 x))"),
        ("f() ^ 2", "(program (^ (call f) 2))"),
    ],
)
def test_precedence_and_associativity(src, expected):
    assert d(src) == expected


def test_literals_dump():
    assert d('1; 2.5; true; false; nil; "a\\"b\\\\c\\n\\t"') == (
        '(program 1 2.5 true false nil "a\\"b\\\\c\\n\\t")'
    )


def test_let_assign_if_fn_dump():
    assert d("let f = fn(x) => x * (2 + 1); f(3)") == (
        "(program (let f (fn (x) (* x (+ 2 1)))) (call f 3))"
    )
    assert d("x = y = 3") == "(program (assign x (assign y 3)))"
    assert d("if a then b else if c then d else e + 1") == ("(program (if a b (if c d (+ e 1))))")
    assert d("fn() => fn(a, b) => a") == "(program (fn () (fn (a b) a)))"


def test_blocks_and_sequences():
    assert d("") == "(program)"
    assert d("1;") == "(program 1)"
    assert d("{}; {1; 2;}; {x} + 1") == "(program (block) (block 1 2) (+ (block x) 1))"


def test_function_in_call_arguments():
    assert d("apply(fn(x) => x + 1, 2)") == "(program (call apply (fn (x) (+ x 1)) 2))"


def test_parenthesised_if_inside_operator():
    assert d("1 + (if c then 2 else 3)") == "(program (+ 1 (if c 2 3)))"


@pytest.mark.parametrize(
    ("src", "line", "column"),
    [
        ("1 +", 1, 4),
        ("(1 + 2", 1, 7),
        ("1 < 2 < 3", 1, 7),
        ("1 2", 1, 3),
        ("let x = 1\nx", 2, 1),
        ("1 + if a then 1 else 2", 1, 5),
        ("let = 5", 1, 5),
        ("let if = 5", 1, 5),
        ("1 = 2", 1, 3),
        ("f(1,)", 1, 5),
        ("if x then 1", 1, 12),
        ("fn(a, a) => a", 1, 7),
        ("fn(a, 1) => a", 1, 7),
        ("fn(a) a", 1, 7),
        ("1;;2", 1, 3),
        (";", 1, 1),
        ("{1; 2", 1, 6),
        ("- not x", 1, 3),
        ("(x) = 1", 1, 5),
    ],
)
def test_parse_errors_and_positions(src, line, column):
    with pytest.raises(ParseError) as info:
        parse(src)
    assert (info.value.line, info.value.column) == (line, column)


def test_lex_error_wins_over_parse_error():
    with pytest.raises(LexError):
        parse("1 + + @")

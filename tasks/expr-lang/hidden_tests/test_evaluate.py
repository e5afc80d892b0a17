import math

import pytest
from exprlang import EvalError, ExprError, Function, ParseError, evaluate


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("2 ^ 3 ^ 2", 512),
        ("-2 ^ 2", -4),
        ("2 ^ -1", 0.5),
        ("7 / 2", 3.5),
        ("7 % 3", 1),
        ("-7 % 3", 2),
        ("7.5 % 2", 1.5),
        ("2 ^ 10", 1024),
        ("--3", 3),
        ('"ab" + "cd"', "abcd"),
        ("1 == 1.0", True),
        ("true == 1", False),
        ("nil == nil", True),
        ('"a" == "a"', True),
        ('1 == "1"', False),
        ("nil != false", True),
        ('"apple" < "banana"', True),
        ("2 <= 2.0", True),
        ("3 > 4", False),
    ],
)
def test_arithmetic_and_comparison_values(src, expected):
    assert evaluate(src) == expected


@pytest.mark.parametrize(
    ("src", "expected_type"),
    [
        ("1 + 2", int),
        ("1 + 2.0", float),
        ("6 / 2", float),
        ("2 ^ 3", int),
        ("2 ^ 3.0", float),
        ("4 * 2", int),
        ("7 % 2.0", float),
        ("1 < 2", bool),
    ],
)
def test_result_types(src, expected_type):
    assert type(evaluate(src)) is expected_type


def test_empty_program_and_sequence_value():
    assert evaluate("") is None
    assert evaluate("1; 2; 3") == 3
    assert evaluate("1; 2;") == 2


def test_truthiness_only_false_and_nil_are_falsy():
    assert evaluate("if 0 then 1 else 2") == 1
    assert evaluate('if "" then 1 else 2') == 1
    assert evaluate("if nil then 1 else 2") == 2
    assert evaluate("if false then 1 else 2") == 2
    assert evaluate("not 0") is False
    assert evaluate("not nil") is True


def test_and_or_return_operand_values():
    assert evaluate("nil or 5") == 5
    assert evaluate("0 or 5") == 0
    assert evaluate("false and 5") is False
    assert evaluate("3 and 5") == 5
    assert evaluate("nil and 5") is None


def test_short_circuit_does_not_evaluate_right_side():
    assert evaluate("false and undefined_name") is False
    assert evaluate("true or 1 / 0") is True
    assert evaluate("if true then 1 else 1 / 0") == 1
    assert evaluate("if false then missing() else 2") == 2


def test_let_binds_and_returns_value():
    assert evaluate("let x = 5") == 5
    assert evaluate("let x = 5; let y = x * 2; x + y") == 15
    assert evaluate("let x = 1; let x = x + 1; x") == 2


def test_assignment_updates_and_returns_value():
    assert evaluate("let x = 1; x = x + 10") == 11
    assert evaluate("let x = 1; let y = 2; x = y = 7; x + y") == 14


def test_block_scope_shadowing_and_assignment():
    assert evaluate("let x = 1; { let x = 2; x } + x") == 3
    assert evaluate("let x = 1; { x = 5 }; x") == 5
    assert evaluate("{}") is None
    assert evaluate("{ let y = 3; y * 2 }") == 6
    with pytest.raises(EvalError):
        evaluate("{ let inner = 1 }; inner")


def test_functions_and_calls():
    assert evaluate("let add = fn(a, b) => a + b; add(2, 3)") == 5
    assert evaluate("(fn(x) => x * x)(7)") == 49
    assert evaluate("let k = fn() => 42; k()") == 42
    assert evaluate("let curry = fn(a) => fn(b) => a - b; curry(10)(3)") == 7


def test_function_value_is_function_instance():
    f = evaluate("fn(a, b) => a")
    assert isinstance(f, Function)
    assert tuple(f.params) == ("a", "b")


def test_closure_counter_keeps_private_state():
    src = """
    let make = fn() => { let n = 0; fn() => { n = n + 1; n } };
    let c1 = make();
    let c2 = make();
    c1(); c1(); c2();
    c1() * 10 + c2()
    """
    assert evaluate(src) == 32


def test_closure_sees_later_changes_by_reference():
    assert evaluate("let x = 1; let f = fn() => x; x = 2; f()") == 2


def test_parameters_shadow_outer_names():
    assert evaluate("let x = 100; let f = fn(x) => x + 1; f(1) + x") == 102


def test_recursion_factorial_and_fibonacci():
    src = """
    let fact = fn(n) => if n <= 1 then 1 else n * fact(n - 1);
    let fib = fn(n) => if n < 2 then n else fib(n - 1) + fib(n - 2);
    fact(20) + fib(15)
    """
    assert evaluate(src) == 2432902008176640000 + 610


def test_higher_order_functions():
    src = """
    let compose = fn(f, g) => fn(x) => f(g(x));
    let inc = fn(x) => x + 1;
    let dbl = fn(x) => x * 2;
    compose(inc, dbl)(5)
    """
    assert evaluate(src) == 11


def test_recursion_fifty_deep_is_fine():
    assert evaluate("let s = fn(n) => if n == 0 then 0 else n + s(n - 1); s(50)") == 1275


def test_unbounded_recursion_is_eval_error_not_recursion_error():
    with pytest.raises(EvalError) as info:
        evaluate("let f = fn(n) => f(n + 1);\nf(0)")
    assert (info.value.line, info.value.column) == (1, 19)


def test_function_equality_is_identity():
    assert evaluate("let f = fn() => 1; let g = fn() => 1; f == f") is True
    assert evaluate("let f = fn() => 1; let g = fn() => 1; f == g") is False
    assert evaluate("let f = fn() => 1; let g = f; f != g") is False


@pytest.mark.parametrize(
    "src",
    [
        "true + 1",
        '"a" + 1',
        '"a" * 3',
        "-true",
        '-"x"',
        "1 < true",
        '1 < "2"',
        "nil > nil",
        "1 / 0",
        "1 % 0",
        "1.5 / 0.0",
        "0 ^ -1",
        "(-8) ^ 0.5",
        "10.0 ^ 400",
        "undefined_name",
        "nope = 3",
        "let f = fn(a) => a; f()",
        "let f = fn(a) => a; f(1, 2)",
        "5(1)",
        '"f"()',
    ],
)
def test_runtime_errors(src):
    with pytest.raises(EvalError):
        evaluate(src)


@pytest.mark.parametrize(
    ("src", "line", "column"),
    [
        ("let a = 1;\nlet b = a + zz", 2, 13),
        ("1 +\n  2 / 0", 2, 5),
        ("1 + true", 1, 3),
        ("- nil", 1, 1),
        ("let f = fn(x) => x;\nf (1, 2)", 2, 3),
        ("3(4)", 1, 2),
        ("q = 1", 1, 1),
        ("len(5)", 1, 4),
        ("if 1 < nil then 1 else 2", 1, 6),
    ],
)
def test_runtime_error_positions(src, line, column):
    with pytest.raises(EvalError) as info:
        evaluate(src)
    assert (info.value.line, info.value.column) == (line, column)


def test_operands_evaluated_before_type_check():
    with pytest.raises(EvalError) as info:
        evaluate("true + missing")
    assert info.value.column == 8


def test_errors_share_base_class():
    for src in ("1 +", "@", "1 / 0"):
        with pytest.raises(ExprError):
            evaluate(src)
    with pytest.raises(ParseError):
        evaluate("1 +")


def test_nan_free_float_results():
    assert math.isclose(evaluate("2 ^ 0.5"), math.sqrt(2))
    assert evaluate("(-2) ^ 2.0") == 4.0


def test_call_depth_limit_is_exactly_one_hundred():
    src = "let s = fn(n) => if n == 0 then 0 else 1 + s(n - 1); "
    assert evaluate(src + "s(99)") == 99
    with pytest.raises(EvalError):
        evaluate(src + "s(100)")

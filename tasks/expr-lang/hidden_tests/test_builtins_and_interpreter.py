import pytest
from exprlang import EvalError, Interpreter, evaluate


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ('len("hello")', 5),
        ('len("")', 0),
        ("str(42)", "42"),
        ("str(2.5)", "2.5"),
        ("str(3.0)", "3.0"),
        ("str(true)", "true"),
        ("str(nil)", "nil"),
        ('str("x")', "x"),
        ("str(fn() => 1)", "<fn>"),
        ("str(len)", "<builtin>"),
        ("int(3.9)", 3),
        ("int(-3.9)", -3),
        ('int("-42")', -42),
        ('float("2.5")', 2.5),
        ("float(3)", 3.0),
        ("abs(-4)", 4),
        ("abs(-2.5)", 2.5),
        ("max(3, 9, 2)", 9),
        ("min(3, 9, 2)", 2),
        ('max("pear", "apple")', "pear"),
        ("max(7)", 7),
        ("type(1)", "int"),
        ("type(1.0)", "float"),
        ('type("")', "string"),
        ("type(false)", "bool"),
        ("type(nil)", "nil"),
        ("type(fn() => 1)", "function"),
        ("type(print)", "function"),
        ('"n=" + str(1 + 1)', "n=2"),
    ],
)
def test_builtin_results(src, expected):
    result = evaluate(src)
    assert result == expected
    assert type(result) is type(expected)


def test_min_max_first_of_equals_wins():
    assert type(evaluate("max(1, 1.0)")) is int
    assert type(evaluate("min(2.0, 2)")) is float


@pytest.mark.parametrize(
    "src",
    [
        "len(5)",
        "len()",
        'len("a", "b")',
        'int("3.5")',
        'int(" 3")',
        "int(true)",
        'float("1e5")',
        "float(nil)",
        'abs("x")',
        "max()",
        'max(1, "a")',
        "min(true, false)",
        "type()",
    ],
)
def test_builtin_errors(src):
    with pytest.raises(EvalError):
        evaluate(src)


def test_print_writes_to_stdout(capsys):
    assert evaluate('print("a", 1, 2.5, true, nil)') is None
    assert evaluate("print()") is None
    assert capsys.readouterr().out == "a 1 2.5 true nil\n\n"


def test_env_values_and_host_callables():
    env = {"base": 10, "twice": lambda x: x * 2, "name": "bob"}
    assert evaluate("twice(base) + 1", env) == 21
    assert evaluate('name + "!"', env) == "bob!"
    assert evaluate("type(twice)", env) == "function"
    assert evaluate("str(twice)", env) == "<builtin>"


def test_env_is_not_modified_and_can_override_builtins():
    env = {"len": lambda s: -1}
    assert evaluate('let z = 1; len("abc")', env) == -1
    assert env.keys() == {"len"}


def test_host_callable_exceptions_propagate_unchanged():
    def boom():
        raise KeyError("host")

    with pytest.raises(KeyError):
        evaluate("boom()", {"boom": boom})


def test_evaluate_uses_fresh_scope_each_time():
    evaluate("let leaked = 1")
    with pytest.raises(EvalError):
        evaluate("leaked")


def test_interpreter_keeps_state_across_runs():
    it = Interpreter()
    assert it.run("let x = 2") == 2
    assert it.run("let sq = fn(n) => n * n") is not None
    assert it.run("sq(x + 1)") == 9
    assert it.get("x") == 2


def test_interpreter_bindings_survive_errors():
    it = Interpreter()
    with pytest.raises(EvalError):
        it.run("let a = 1; let b = 2; 1 / 0; let c = 3")
    assert it.run("a + b") == 3
    with pytest.raises(KeyError):
        it.get("c")


def test_interpreter_define_get_and_env():
    it = Interpreter({"k": 5})
    it.define("host_add", lambda a, b: a + b)
    it.define("y", 3)
    assert it.run("host_add(k, y)") == 8
    assert it.get("k") == 5
    with pytest.raises(KeyError):
        it.get("missing")


def test_interpreter_call_user_function_and_closure():
    it = Interpreter()
    f = it.run("let total = 0; fn(n) => { total = total + n; total }")
    assert it.call(f, 5) == 5
    assert it.call(f, 7) == 12
    assert it.get("total") == 12
    assert it.call(it.get("max"), 3, 8, 1) == 8


def test_interpreter_call_errors():
    it = Interpreter()
    f = it.run("fn(a, b) => a / b")
    with pytest.raises(EvalError) as info:
        it.call(f, 1)
    assert (info.value.line, info.value.column) == (0, 0)
    with pytest.raises(EvalError) as info:
        it.call(42)
    assert (info.value.line, info.value.column) == (0, 0)
    with pytest.raises(EvalError) as info:
        it.call(f, 1, 0)
    assert (info.value.line, info.value.column) == (1, 15)


def test_interpreter_recovers_after_recursion_limit():
    it = Interpreter()
    it.run("let down = fn(n) => if n == 0 then 0 else 1 + down(n - 1)")
    with pytest.raises(EvalError):
        it.run("down(100000)")
    assert it.run("down(60)") == 60

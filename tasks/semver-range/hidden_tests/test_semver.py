import itertools

import pytest
from semver import Version, compare, satisfies


def test_parse_core_version():
    v = Version.parse("1.2.3")
    assert (v.major, v.minor, v.patch) == (1, 2, 3)
    assert v.prerelease == ()
    assert v.build == ()


def test_parse_prerelease_and_build():
    v = Version.parse("1.0.0-alpha.1+build.005.sha-9")
    assert (v.major, v.minor, v.patch) == (1, 0, 0)
    assert v.prerelease == ("alpha", "1")
    assert v.build == ("build", "005", "sha-9")


def test_parse_build_without_prerelease():
    v = Version.parse("0.0.0+20130313144700")
    assert v.prerelease == ()
    assert v.build == ("20130313144700",)


def test_parse_large_numbers():
    v = Version.parse("10.200.3000")
    assert (v.major, v.minor, v.patch) == (10, 200, 3000)


@pytest.mark.parametrize(
    "text",
    ["1.2.3", "0.0.0", "1.0.0-0.3.7", "1.0.0-x-y-z.--", "1.0.0-alpha+001", "2.3.4-rc.1+b.2"],
)
def test_str_round_trips(text):
    assert str(Version.parse(text)) == text


def test_constructor_matches_parse():
    assert Version(1, 2, 3) == Version.parse("1.2.3")
    assert str(Version(1, 0, 0, ("rc", "1"), ("b",))) == "1.0.0-rc.1+b"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "1.2",
        "1.2.3.4",
        "01.2.3",
        "1.02.3",
        "1.2.03",
        "-1.2.3",
        "v1.2.3",
        " 1.2.3",
        "1.2.3 ",
        "1.2.3-",
        "1.2.3+",
        "1.2.3-01",
        "1.2.3-alpha..1",
        "1.2.3-al_pha",
        "1.2.3+bu!ld",
        "a.b.c",
    ],
)
def test_parse_invalid_raises(text):
    with pytest.raises(ValueError):
        Version.parse(text)


def test_spec_precedence_chain():
    chain = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]
    versions = [Version.parse(t) for t in chain]
    for lower, higher in itertools.pairwise(versions):
        assert lower < higher
        assert higher > lower
        assert not higher < lower


def test_sorting_shuffled_versions():
    texts = ["1.0.0", "1.0.0-rc.1", "0.9.9", "1.0.0-alpha", "10.0.0", "2.0.0", "1.10.0"]
    ordered = sorted(Version.parse(t) for t in texts)
    assert [str(v) for v in ordered] == [
        "0.9.9",
        "1.0.0-alpha",
        "1.0.0-rc.1",
        "1.0.0",
        "1.10.0",
        "2.0.0",
        "10.0.0",
    ]


def test_numeric_parts_compare_numerically_not_lexically():
    assert Version.parse("1.10.0") > Version.parse("1.9.0")
    assert Version.parse("1.0.0-rc.10") > Version.parse("1.0.0-rc.9")


def test_numeric_identifier_lower_than_alphanumeric():
    assert Version.parse("1.0.0-999") < Version.parse("1.0.0-a")
    assert Version.parse("1.0.0-1") < Version.parse("1.0.0-1a")


def test_alphanumeric_identifiers_use_ascii_order():
    assert Version.parse("1.0.0-Zeta") < Version.parse("1.0.0-alpha")
    assert Version.parse("1.0.0-RC.1") < Version.parse("1.0.0-rc.1")
    assert Version.parse("1.0.0-beta") < Version.parse("1.0.0-beta2")


def test_build_metadata_ignored_for_equality_and_hash():
    a = Version.parse("1.0.0+a")
    b = Version.parse("1.0.0+b.1")
    assert a == b
    assert not a < b
    assert not a > b
    assert a <= b
    assert a >= b
    assert hash(a) == hash(b)
    assert len({a, b, Version.parse("1.0.0")}) == 1


def test_prerelease_not_equal_to_release():
    assert Version.parse("1.0.0-rc.1") != Version.parse("1.0.0")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("1.0.0", "2.0.0", -1),
        ("2.0.0", "1.0.0", 1),
        ("1.0.0+x", "1.0.0+y", 0),
        ("1.0.0-alpha", "1.0.0", -1),
        ("1.0.0-alpha.1", "1.0.0-alpha", 1),
    ],
)
def test_compare_strings(a, b, expected):
    assert compare(a, b) == expected


def test_compare_accepts_version_objects_and_mixed():
    assert compare(Version.parse("1.2.3"), "1.2.4") == -1
    assert compare(Version(3, 0, 0), Version(3, 0, 0)) == 0


def test_compare_invalid_raises():
    with pytest.raises(ValueError):
        compare("1.0", "1.0.0")


@pytest.mark.parametrize(
    ("version", "range_", "expected"),
    [
        ("1.2.3", ">=1.2.3", True),
        ("1.2.2", ">=1.2.3", False),
        ("1.9.9", "<2.0.0", True),
        ("2.0.0", "<2.0.0", False),
        ("2.0.0", "<=2.0.0", True),
        ("2.0.1", ">2.0.0", True),
        ("2.0.0", ">2.0.0", False),
        ("1.0.0", "=1.0.0", True),
        ("1.0.1", "=1.0.0", False),
        ("1.0.0", "1.0.0", True),
        ("1.0.0+build.1", "=1.0.0", True),
        ("1.0.0", "=1.0.0+other", True),
    ],
)
def test_single_comparators(version, range_, expected):
    assert satisfies(version, range_) is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [("1.2.3", True), ("1.5.0", True), ("1.2.2", False), ("2.0.0", False)],
)
def test_and_of_comparators(version, expected):
    assert satisfies(version, ">=1.2.3 <2.0.0") is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [("0.9.0", True), ("1.0.0", False), ("1.5.0", False), ("3.0.0", True), ("3.1.0", True)],
)
def test_or_of_comparator_sets(version, expected):
    assert satisfies(version, "<1.0.0 || >=3.0.0") is expected


def test_or_without_spaces_and_extra_whitespace():
    assert satisfies("2.0.0", "1.0.0||2.0.0") is True
    assert satisfies("1.5.0", "  >=1.0.0    <2.0.0  ||   =5.0.0 ") is True


def test_prerelease_uses_plain_precedence_in_ranges():
    assert satisfies("2.0.0-rc.1", "<2.0.0") is True
    assert satisfies("2.0.0-rc.1", ">=1.0.0 <2.0.0") is True
    assert satisfies("1.0.0-beta", ">1.0.0-alpha") is True
    assert satisfies("1.0.0-beta", ">=1.0.0") is False


def test_satisfies_accepts_version_object():
    assert satisfies(Version(1, 4, 0), ">=1.0.0 <2.0.0") is True


@pytest.mark.parametrize(
    "range_",
    [
        "",
        "   ",
        "||",
        "1.0.0 ||",
        "|| 1.0.0",
        ">= 1.0.0",
        "~1.0.0",
        "^1.0.0",
        "=>1.0.0",
        ">>1.0.0",
        ">=1.0",
        ">=1.0.0 <2.x",
        ">=1.0.0 | <2.0.0",
    ],
)
def test_invalid_range_raises(range_):
    with pytest.raises(ValueError):
        satisfies("1.0.0", range_)


def test_invalid_comparator_in_later_set_still_raises():
    with pytest.raises(ValueError):
        satisfies("1.0.0", "1.0.0 || >=bad")


def test_satisfies_invalid_version_raises():
    with pytest.raises(ValueError):
        satisfies("1.0", ">=1.0.0")

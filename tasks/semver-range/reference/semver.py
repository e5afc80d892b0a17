"""Semantic versions (SemVer 2.0.0): parsing, precedence and simple ranges."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_NUM = r"0|[1-9][0-9]*"
_PRE_ID = rf"(?:{_NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_BUILD_ID = r"[0-9A-Za-z-]+"
_VERSION_RE = re.compile(
    rf"({_NUM})\.({_NUM})\.({_NUM})"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    rf"(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?"
)
_COMPARATOR_RE = re.compile(r"(>=|<=|>|<|=)?(.*)", re.DOTALL)
_OPERATORS = {
    ">=": lambda c: c >= 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    "<": lambda c: c < 0,
    "=": lambda c: c == 0,
}


@functools.total_ordering
@dataclass(frozen=True, eq=False)
class Version:
    """A semantic version; equality, hashing and ordering follow SemVer precedence."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse a version string such as ``1.2.3-rc.1+build.7``; raise ValueError if invalid."""
        match = _VERSION_RE.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(f"invalid semantic version: {text!r}")
        major, minor, patch, pre, build = match.groups()
        pre_ids = tuple(pre.split(".")) if pre else ()
        build_ids = tuple(build.split(".")) if build else ()
        return cls(int(major), int(minor), int(patch), pre_ids, build_ids)

    def _key(self) -> tuple[object, ...]:
        pre = tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in self.prerelease)
        return (self.major, self.minor, self.patch, not self.prerelease, pre)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


def _as_version(value: Version | str) -> Version:
    return value if isinstance(value, Version) else Version.parse(value)


def compare(a: Version | str, b: Version | str) -> int:
    """Return -1, 0 or 1 as `a` has lower, equal or higher precedence than `b`."""
    va, vb = _as_version(a), _as_version(b)
    return (va > vb) - (va < vb)


def satisfies(version: Version | str, range_: str) -> bool:
    """Whether `version` matches `range_`: comparator sets joined by ``||``, each ANDed."""
    target = _as_version(version)
    sets = [part.split() for part in range_.split("||")]
    if any(not comparators for comparators in sets):
        raise ValueError(f"invalid range: {range_!r}")
    parsed = []
    for comparators in sets:
        checks = []
        for comparator in comparators:
            match = _COMPARATOR_RE.fullmatch(comparator)
            assert match is not None  # the pattern matches any string
            operator, text = match.groups()
            checks.append((_OPERATORS[operator or "="], Version.parse(text)))
        parsed.append(checks)
    return any(all(check(compare(target, v)) for check, v in checks) for checks in parsed)

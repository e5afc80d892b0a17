"""Retry policy: which errors are retried, how long it waits, and that it counts retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from agents.models import RetryPolicy, TransientError
from agents.models._retry import (
    RetryOutcome,
    backoff_s,
    call_with_retry,
    is_transient,
    parse_retry_after,
)


class StatusError(Exception):
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status_code = status
        self.response = httpx.Response(status, headers=headers or {})


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 529])
def test_transient_statuses(status: int) -> None:
    assert is_transient(StatusError(status))


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_final(status: int) -> None:
    assert not is_transient(StatusError(status))


def test_connection_errors_are_transient() -> None:
    assert is_transient(httpx.ConnectError("refused"))
    assert is_transient(TimeoutError())
    assert not is_transient(ValueError("bug"))


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "7"}, 7.0),
        ({"Retry-After": "1.5"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    parsed = parse_retry_after({"retry-after": format_datetime(when, usegmt=True)})
    assert parsed is not None and 25 <= parsed <= 31


def test_backoff_prefers_retry_after_and_caps_it() -> None:
    policy = RetryPolicy(initial_backoff_s=1, max_backoff_s=10, jitter=0)
    assert backoff_s(policy, 1, StatusError(429, {"retry-after": "3"})) == 3
    assert backoff_s(policy, 1, StatusError(429, {"retry-after": "3600"})) == 10
    assert [backoff_s(policy, n, StatusError(503)) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 8, 10]


def test_call_with_retry_sleeps_as_told_and_counts() -> None:
    errors = [
        StatusError(429, {"retry-after": "2"}),
        TransientError("busy", 529, retry_after_s=0.5),
    ]
    slept: list[float] = []
    seen: list[tuple[int | None, float]] = []

    def flaky() -> str:
        if errors:
            raise errors.pop(0)
        return "ok"

    outcome = RetryOutcome()
    result = call_with_retry(
        flaky,
        RetryPolicy(max_attempts=5),
        on_retry=lambda exc, delay: seen.append((getattr(exc, "status_code", None), delay)),
        sleep=slept.append,
        outcome=outcome,
    )
    assert result == "ok"
    assert outcome.retries == 2
    assert slept == outcome.sleeps == [2.0, 0.5]
    assert seen == [(429, 2.0), (529, 0.5)]


def test_call_with_retry_gives_up_after_max_attempts() -> None:
    calls = 0

    def always_busy() -> None:
        nonlocal calls
        calls += 1
        raise StatusError(503)

    outcome = RetryOutcome()
    with pytest.raises(StatusError):
        policy = RetryPolicy(max_attempts=3, jitter=0)
        call_with_retry(always_busy, policy, sleep=lambda _: None, outcome=outcome)
    assert calls == 3
    assert outcome.retries == 2


def test_call_with_retry_does_not_retry_final_errors() -> None:
    calls = 0

    def broken() -> None:
        nonlocal calls
        calls += 1
        raise StatusError(401)

    with pytest.raises(StatusError):
        call_with_retry(broken, RetryPolicy(), sleep=lambda _: None)
    assert calls == 1

"""The scrubber: planted emails, phones, keys and names are replaced; look-alikes are kept."""

from __future__ import annotations

import pytest

from intent import scrub_text, synthetic_log


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Send it to maria.lopez@example.com.", "email"),
        ("Call me on +1 415 555 0134 if unclear.", "phone"),
        ("ring (212) 555-0198 today", "phone"),
        ("My API key is sk-EXAMPLE-not-a-real-key in case.", "key"),
        ("My API key is EXAMPLE-UpPALpEnwPgP9f3vvKEvrbJcnyfo8Jxn in case.", "key"),
        ("aws AKIAIOSFODNN7EXAMPLE here", "key"),
        ("token ghp_16C7e42F292c6912E7710c838347Ae178B4a ok", "key"),
        ("Thanks, Lena Novak", "name"),
        ("Hello, my name is Omar Haddad and I need help.", "name"),
        ("Dear Priya, thanks.", "name"),
    ],
)
def test_each_kind_is_replaced(text: str, kind: str) -> None:
    scrubbed, found = scrub_text(text)
    assert found[kind] == 1
    assert f"[{kind.upper()}]" in scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "I am on Python 3.8.",
        "Write a regex that matches dates like 2024-05-01.",
        "It must finish in under a second for 10,000 rows.",
        "This is Python 3.12.",
        "The table is orders(id, customer_id, total, shipped_at, created_at).",
        "Our budget is 800 euros for 4 days in May.",
        "I am a complete beginner.",
    ],
)
def test_look_alikes_are_kept(text: str) -> None:
    scrubbed, found = scrub_text(text)
    assert scrubbed == text and not found


def test_every_planted_value_of_the_synthetic_log_is_scrubbed() -> None:
    rows = [row for row in synthetic_log() if row["planted_pii"]]
    assert len(rows) > 40
    for row in rows:
        scrubbed, found = scrub_text(row["text"])
        assert set(found) == set(row["planted_pii"]), row["text"]
        assert "@" not in scrubbed and "EXAMPLE-" not in scrubbed and "555" not in scrubbed

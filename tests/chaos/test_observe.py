"""What an agent sees: the simplified DOM rendered as text, and elements found by name."""

from __future__ import annotations

from chaos._observe import from_extract

DATA = {
    "title": "Sign in · Chaos Shop",
    "items": [
        {"bid": "1", "role": "link", "name": "Sign in", "dialog": False},
        {"heading": "Sign in", "dialog": False},
        {"bid": "2", "role": "textbox", "name": "Username", "value": "", "dialog": False},
        {
            "bid": "3",
            "role": "combobox",
            "name": "Subject",
            "value": "General",
            "options": ["General", "Returns"],
            "dialog": False,
        },
        {"text": "Signing in needs cookies.", "dialog": False},
        {"bid": "4", "role": "button", "name": "Sign in", "dialog": False},
        {"bid": "5", "role": "button", "name": "Close", "dialog": True},
    ],
}


def test_the_observation_lists_elements_with_their_ids() -> None:
    text = from_extract("/login", DATA).text
    assert text.splitlines() == [
        "url: /login",
        "title: Sign in · Chaos Shop",
        '[1] link "Sign in"',
        'heading "Sign in"',
        '[2] textbox "Username" value=""',
        '[3] combobox "Subject" options: General | Returns (selected: General)',
        "Signing in needs cookies.",
        '[4] button "Sign in"',
        '[5] button "Close" (in a dialog)',
    ]


def test_elements_are_found_by_name_role_and_label() -> None:
    observation = from_extract("/login", DATA)
    assert observation.find("sign in").bid == "1"  # type: ignore[union-attr]
    assert observation.find("Sign in", "button").bid == "4"  # type: ignore[union-attr]
    assert observation.find("user").bid == "2"  # type: ignore[union-attr]  # contained
    assert observation.field("Subject").bid == "3"  # type: ignore[union-attr]
    assert observation.find("Checkout") is None
    assert observation.has_dialog


def test_long_pages_are_cut_with_a_note() -> None:
    data = {"title": "t", "items": [{"text": f"line {n}"} for n in range(300)]}
    lines = from_extract("/", data, max_lines=10).lines
    assert len(lines) == 11 and lines[-1] == "... (290 more lines cut)"

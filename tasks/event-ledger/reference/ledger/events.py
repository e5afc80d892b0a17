"""Domain events and their conversion to and from plain JSON data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class AccountOpened:
    """An account was opened for `owner`; it may go down to `-overdraft_limit` cents."""

    account_id: str
    owner: str
    overdraft_limit: int = 0


@dataclass(frozen=True)
class FundsDeposited:
    """`amount` cents were paid into the account."""

    account_id: str
    amount: int


@dataclass(frozen=True)
class FundsWithdrawn:
    """`amount` cents were paid out of the account."""

    account_id: str
    amount: int


@dataclass(frozen=True)
class TransferMade:
    """`amount` cents moved from one account to another, both sides in one event."""

    from_account: str
    to_account: str
    amount: int


@dataclass(frozen=True)
class AccountClosed:
    """The account was closed (its balance was zero)."""

    account_id: str


Event = AccountOpened | FundsDeposited | FundsWithdrawn | TransferMade | AccountClosed
"""Any domain event."""

EVENT_TYPES: dict[str, type[Event]] = {
    cls.__name__: cls
    for cls in (AccountOpened, FundsDeposited, FundsWithdrawn, TransferMade, AccountClosed)
}
"""Event classes by the name stored in the log's `type` field."""


def event_type_name(event: Event) -> str:
    """The name stored in the log for this event."""
    return type(event).__name__


def event_to_data(event: Event) -> dict[str, Any]:
    """The event's fields as a JSON-ready dict."""
    return asdict(event)


def event_from_data(type_name: Any, data: Any) -> Event:
    """Rebuild an event from its stored type name and fields.

    Raises ValueError unless `data` holds exactly the event's fields with the right types.
    """
    cls = EVENT_TYPES.get(type_name) if isinstance(type_name, str) else None
    if cls is None:
        raise ValueError(f"unknown event type {type_name!r}")
    if not isinstance(data, dict):
        raise ValueError("event data must be an object")
    expected = {field.name: field.type for field in fields(cls)}
    if set(data) != set(expected):
        raise ValueError(f"{type_name} needs exactly the fields {sorted(expected)}")
    for name, annotation in expected.items():
        value = data[name]
        wanted: type = int if annotation == "int" else str
        if type(value) is not wanted:
            raise ValueError(f"{type_name}.{name} must be a {wanted.__name__}")
    return cls(**data)

"""The in-memory state rebuilt from events: accounts and processed commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .events import (
    AccountClosed,
    AccountOpened,
    Event,
    FundsDeposited,
    FundsWithdrawn,
    TransferMade,
    event_from_data,
    event_to_data,
    event_type_name,
)
from .store import Record


@dataclass(frozen=True)
class Account:
    """A read-only view of one account."""

    account_id: str
    owner: str
    balance: int
    overdraft_limit: int
    closed: bool


@dataclass
class _AccountState:
    owner: str
    overdraft_limit: int
    balance: int = 0
    closed: bool = False


class LedgerState:
    """Accounts and the command ids already processed, as of sequence number `seq`.

    Events are applied without re-checking business rules: they are facts.
    """

    def __init__(self) -> None:
        self.seq = 0
        self._accounts: dict[str, _AccountState] = {}
        self.commands: dict[str, tuple[int, Event]] = {}

    def apply(self, record: Record) -> None:
        """Fold one record into the state."""
        event = record.event
        match event:
            case AccountOpened(account_id=account_id, owner=owner, overdraft_limit=limit):
                self._accounts[account_id] = _AccountState(owner, limit)
            case FundsDeposited(account_id=account_id, amount=amount):
                self._accounts[account_id].balance += amount
            case FundsWithdrawn(account_id=account_id, amount=amount):
                self._accounts[account_id].balance -= amount
            case TransferMade(from_account=source, to_account=target, amount=amount):
                self._accounts[source].balance -= amount
                self._accounts[target].balance += amount
            case AccountClosed(account_id=account_id):
                self._accounts[account_id].closed = True
        self.commands[record.command_id] = (record.seq, event)
        self.seq = record.seq

    def has(self, account_id: str) -> bool:
        """Whether the account was ever opened."""
        return account_id in self._accounts

    def get(self, account_id: str) -> Account | None:
        """A view of the account, or None if it was never opened."""
        state = self._accounts.get(account_id)
        if state is None:
            return None
        return Account(account_id, state.owner, state.balance, state.overdraft_limit, state.closed)

    def account_ids(self) -> list[str]:
        """Every account id ever opened, sorted."""
        return sorted(self._accounts)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready copy of the whole state."""
        return {
            "seq": self.seq,
            "accounts": {
                account_id: [state.owner, state.overdraft_limit, state.balance, state.closed]
                for account_id, state in self._accounts.items()
            },
            "commands": {
                command_id: [seq, event_type_name(event), event_to_data(event)]
                for command_id, (seq, event) in self.commands.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LedgerState:
        """Rebuild a state from `to_json` output; raise ValueError if it is malformed."""
        try:
            state = cls()
            state.seq = int(data["seq"])
            for account_id, (owner, limit, balance, closed) in data["accounts"].items():
                state._accounts[account_id] = _AccountState(
                    str(owner), int(limit), int(balance), bool(closed)
                )
            for command_id, (seq, type_name, event_data) in data["commands"].items():
                state.commands[command_id] = (int(seq), event_from_data(type_name, event_data))
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"malformed state: {exc}") from None
        return state

"""The ledger: validates commands, appends events, snapshots and answers queries."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import (
    AccountClosedError,
    AccountExistsError,
    AccountNotFoundError,
    CommandConflictError,
    CorruptLogError,
    InsufficientFundsError,
    InvalidCommandError,
    NonZeroBalanceError,
)
from .events import (
    AccountClosed,
    AccountOpened,
    Event,
    FundsDeposited,
    FundsWithdrawn,
    TransferMade,
    event_type_name,
)
from .snapshots import SnapshotFile
from .state import Account, LedgerState
from .store import EventStore

EVENTS_FILE = "events.jsonl"
SNAPSHOT_FILE = "snapshot.json"


@dataclass(frozen=True)
class HistoryEntry:
    """One event as seen from one account.

    `amount` is signed (+ credit, - debit, 0 for opening and closing), `balance` is the
    balance after the event and `counterparty` the other account of a transfer.
    """

    seq: int
    event_type: str
    amount: int
    balance: int
    counterparty: str | None = None


def _require_text(value: Any, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise InvalidCommandError(f"{what} must be a non-empty string, got {value!r}")


def _require_int(value: Any, what: str, minimum: int) -> None:
    if type(value) is not int or value < minimum:
        raise InvalidCommandError(f"{what} must be an int >= {minimum}, got {value!r}")


def _validate(event: Event) -> None:
    """Check the command's arguments on their own; raise InvalidCommandError."""
    match event:
        case AccountOpened(account_id=account_id, owner=owner, overdraft_limit=limit):
            _require_text(account_id, "account_id")
            _require_text(owner, "owner")
            _require_int(limit, "overdraft_limit", 0)
        case (
            FundsDeposited(account_id=account_id, amount=amount)
            | FundsWithdrawn(account_id=account_id, amount=amount)
        ):
            _require_text(account_id, "account_id")
            _require_int(amount, "amount", 1)
        case TransferMade(from_account=source, to_account=target, amount=amount):
            _require_text(source, "from_account")
            _require_text(target, "to_account")
            _require_int(amount, "amount", 1)
            if source == target:
                raise InvalidCommandError("cannot transfer from an account to itself")
        case AccountClosed(account_id=account_id):
            _require_text(account_id, "account_id")


class Ledger:
    """An event-sourced ledger of accounts with amounts in integer cents.

    State lives in ``directory/events.jsonl`` (the log) and ``directory/snapshot.json``
    (the latest snapshot, written whenever a new event's sequence number is a multiple
    of `snapshot_every`).
    """

    def __init__(
        self, directory: str | os.PathLike[str], snapshot_every: int | None = None
    ) -> None:
        if snapshot_every is not None and (type(snapshot_every) is not int or snapshot_every < 1):
            raise ValueError(f"snapshot_every must be a positive int or None: {snapshot_every!r}")
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.snapshot_every = snapshot_every
        self._store = EventStore(self.directory / EVENTS_FILE)
        self._snapshots = SnapshotFile(self.directory / SNAPSHOT_FILE)
        self._state = self._snapshots.load() or LedgerState()
        if self._state.seq > self._store.last_seq:
            raise CorruptLogError(
                f"the snapshot is at sequence {self._state.seq} but the log ends at "
                f"{self._store.last_seq}: events were lost"
            )
        tail = self._store.records(after=self._state.seq)
        for record in tail:
            self._state.apply(record)
        self.events_replayed = len(tail)
        """How many events were applied on top of the snapshot when the ledger was opened."""

    @property
    def last_seq(self) -> int:
        """Sequence number of the newest event; 0 when the log is empty."""
        return self._store.last_seq

    # -- commands ------------------------------------------------------------------

    def open_account(
        self, command_id: str, account_id: str, owner: str, overdraft_limit: int = 0
    ) -> int:
        """Open a new account; return the event's sequence number."""
        return self._execute(command_id, AccountOpened(account_id, owner, overdraft_limit))

    def deposit(self, command_id: str, account_id: str, amount: int) -> int:
        """Pay `amount` cents into an open account."""
        return self._execute(command_id, FundsDeposited(account_id, amount))

    def withdraw(self, command_id: str, account_id: str, amount: int) -> int:
        """Pay `amount` cents out of an open account, within its overdraft limit."""
        return self._execute(command_id, FundsWithdrawn(account_id, amount))

    def transfer(self, command_id: str, from_account: str, to_account: str, amount: int) -> int:
        """Move `amount` cents between two different open accounts."""
        return self._execute(command_id, TransferMade(from_account, to_account, amount))

    def close_account(self, command_id: str, account_id: str) -> int:
        """Close an open account whose balance is zero."""
        return self._execute(command_id, AccountClosed(account_id))

    def snapshot(self) -> int:
        """Write a snapshot of the current state now; return its sequence number."""
        self._snapshots.save(self._state)
        return self._state.seq

    def _execute(self, command_id: str, event: Event) -> int:
        """Validate, deduplicate by command id, check the rules, then append."""
        _require_text(command_id, "command_id")
        _validate(event)
        done = self._state.commands.get(command_id)
        if done is not None:
            seq, previous = done
            if previous != event:
                raise CommandConflictError(
                    f"command id {command_id!r} was already used for "
                    f"{event_type_name(previous)} at sequence {seq}"
                )
            return seq
        self._check(event)
        record = self._store.append(event, command_id)
        self._state.apply(record)
        if self.snapshot_every is not None and record.seq % self.snapshot_every == 0:
            self._snapshots.save(self._state)
        return record.seq

    # -- business rules --------------------------------------------------------------

    def _existing(self, account_id: str) -> Account:
        """The account, which must have been opened."""
        account = self._state.get(account_id)
        if account is None:
            raise AccountNotFoundError(f"no account {account_id!r}")
        return account

    def _check(self, event: Event) -> None:
        """Raise the first business rule the event would break, in the documented order."""
        if isinstance(event, AccountOpened):
            if self._state.has(event.account_id):
                raise AccountExistsError(f"account {event.account_id!r} already exists")
            return
        if isinstance(event, TransferMade):
            debited = self._existing(event.from_account)
            involved = [debited, self._existing(event.to_account)]
        else:
            debited = self._existing(event.account_id)
            involved = [debited]
        for account in involved:
            if account.closed:
                raise AccountClosedError(f"account {account.account_id!r} is closed")
        if isinstance(event, FundsWithdrawn | TransferMade):
            if debited.balance - event.amount < -debited.overdraft_limit:
                raise InsufficientFundsError(
                    f"account {debited.account_id!r} holds {debited.balance} cents with an "
                    f"overdraft limit of {debited.overdraft_limit}; cannot debit {event.amount}"
                )
        elif isinstance(event, AccountClosed) and debited.balance != 0:
            raise NonZeroBalanceError(
                f"account {debited.account_id!r} still holds {debited.balance} cents"
            )

    # -- queries ---------------------------------------------------------------------

    def account(self, account_id: str) -> Account:
        """The current state of an account."""
        return self._existing(account_id)

    def account_ids(self) -> list[str]:
        """Every account ever opened (closed ones included), sorted."""
        return self._state.account_ids()

    def balance(self, account_id: str, at_seq: int | None = None) -> int:
        """The balance now, or just after the event with sequence number `at_seq`."""
        if at_seq is None:
            return self._existing(account_id).balance
        if type(at_seq) is not int or not 0 <= at_seq <= self.last_seq:
            raise ValueError(f"at_seq must be an int from 0 to {self.last_seq}, got {at_seq!r}")
        past = LedgerState()
        for record in self._store.records()[:at_seq]:
            past.apply(record)
        account = past.get(account_id)
        if account is None:
            raise AccountNotFoundError(f"no account {account_id!r} at sequence {at_seq}")
        return account.balance

    def history(self, account_id: str) -> list[HistoryEntry]:
        """Every event that concerns the account, oldest first."""
        self._existing(account_id)
        entries: list[HistoryEntry] = []
        balance = 0
        for record in self._store.records():
            change, counterparty = _effect(record.event, account_id)
            if change is None:
                continue
            balance += change
            name = event_type_name(record.event)
            entries.append(HistoryEntry(record.seq, name, change, balance, counterparty))
        return entries


def _effect(event: Event, account_id: str) -> tuple[int | None, str | None]:
    """The signed change an event makes to `account_id` (None if it does not concern it)."""
    match event:
        case AccountOpened() | AccountClosed() if event.account_id == account_id:
            return 0, None
        case FundsDeposited() if event.account_id == account_id:
            return event.amount, None
        case FundsWithdrawn() if event.account_id == account_id:
            return -event.amount, None
        case TransferMade() if event.from_account == account_id:
            return -event.amount, event.to_account
        case TransferMade() if event.to_account == account_id:
            return event.amount, event.from_account
    return None, None

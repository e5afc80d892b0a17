"""The exception hierarchy of the ledger."""

from __future__ import annotations


class LedgerError(Exception):
    """Base class of every error raised by the ledger."""


class InvalidCommandError(LedgerError):
    """A command argument is malformed (empty id, non-positive amount, ...)."""


class AccountNotFoundError(LedgerError):
    """The account has never been opened."""


class AccountExistsError(LedgerError):
    """An account with this id was already opened (it may since have been closed)."""


class AccountClosedError(LedgerError):
    """The account is closed and accepts no further activity."""


class InsufficientFundsError(LedgerError):
    """The debit would take the balance below the account's overdraft limit."""


class NonZeroBalanceError(LedgerError):
    """Only an account with a zero balance can be closed."""


class CommandConflictError(LedgerError):
    """A command id was reused for a different command."""


class CorruptLogError(LedgerError):
    """The event log is damaged, truncated or inconsistent with the snapshot.

    `line_number` is the 1-based number of the first bad line of the log, or None
    when the problem is not tied to one line (the snapshot is ahead of the log).
    """

    def __init__(self, message: str, line_number: int | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number

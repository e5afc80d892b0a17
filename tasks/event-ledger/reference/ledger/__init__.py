"""ledger: an event-sourced ledger of accounts persisted as checksummed JSON Lines."""

from .errors import (
    AccountClosedError,
    AccountExistsError,
    AccountNotFoundError,
    CommandConflictError,
    CorruptLogError,
    InsufficientFundsError,
    InvalidCommandError,
    LedgerError,
    NonZeroBalanceError,
)
from .events import (
    AccountClosed,
    AccountOpened,
    FundsDeposited,
    FundsWithdrawn,
    TransferMade,
)
from .ledger import HistoryEntry, Ledger
from .state import Account
from .store import EventStore, Record

__all__ = [
    "Account",
    "AccountClosed",
    "AccountClosedError",
    "AccountExistsError",
    "AccountNotFoundError",
    "AccountOpened",
    "CommandConflictError",
    "CorruptLogError",
    "EventStore",
    "FundsDeposited",
    "FundsWithdrawn",
    "HistoryEntry",
    "InsufficientFundsError",
    "InvalidCommandError",
    "Ledger",
    "LedgerError",
    "NonZeroBalanceError",
    "Record",
    "TransferMade",
]

import pytest
from ledger import (
    Account,
    AccountClosedError,
    AccountExistsError,
    AccountNotFoundError,
    CommandConflictError,
    InsufficientFundsError,
    InvalidCommandError,
    Ledger,
    LedgerError,
    NonZeroBalanceError,
)


@pytest.fixture
def ledger(tmp_path):
    return Ledger(tmp_path / "book")


@pytest.fixture
def funded(ledger):
    ledger.open_account("c1", "alice", "Alice")
    ledger.open_account("c2", "bob", "Bob", overdraft_limit=500)
    ledger.deposit("c3", "alice", 1000)
    return ledger


def test_commands_return_sequence_numbers(ledger):
    assert ledger.last_seq == 0
    assert ledger.open_account("c1", "alice", "Alice") == 1
    assert ledger.deposit("c2", "alice", 250) == 2
    assert ledger.withdraw("c3", "alice", 50) == 3
    assert ledger.last_seq == 3
    assert ledger.balance("alice") == 200


def test_directory_is_created(tmp_path):
    Ledger(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()


def test_transfer_moves_money_between_accounts(funded):
    assert funded.transfer("t1", "alice", "bob", 300) == 4
    assert funded.balance("alice") == 700
    assert funded.balance("bob") == 300


def test_account_view(funded):
    assert funded.account("bob") == Account("bob", "Bob", 0, 500, False)
    a = funded.account("alice")
    assert (a.account_id, a.owner, a.balance, a.overdraft_limit, a.closed) == (
        "alice",
        "Alice",
        1000,
        0,
        False,
    )


def test_account_ids_sorted_including_closed(funded):
    funded.open_account("c4", "aaron", "Aaron")
    funded.close_account("c5", "aaron")
    assert funded.account_ids() == ["aaron", "alice", "bob"]


def test_no_overdraft_without_limit(funded):
    with pytest.raises(InsufficientFundsError):
        funded.withdraw("w1", "alice", 1001)
    assert funded.withdraw("w2", "alice", 1000) == 4
    assert funded.balance("alice") == 0
    with pytest.raises(InsufficientFundsError):
        funded.transfer("t1", "alice", "bob", 1)


def test_overdraft_limit_is_inclusive(funded):
    assert funded.withdraw("w1", "bob", 500) == 4
    assert funded.balance("bob") == -500
    with pytest.raises(InsufficientFundsError):
        funded.withdraw("w2", "bob", 1)
    with pytest.raises(InsufficientFundsError):
        funded.transfer("t1", "bob", "alice", 1)


def test_transfer_may_use_overdraft(funded):
    funded.transfer("t1", "bob", "alice", 400)
    assert funded.balance("bob") == -400
    assert funded.balance("alice") == 1400


def test_failed_command_writes_nothing(funded, tmp_path):
    before = (tmp_path / "book" / "events.jsonl").read_text()
    with pytest.raises(InsufficientFundsError):
        funded.withdraw("w1", "alice", 5000)
    assert funded.last_seq == 3
    assert (tmp_path / "book" / "events.jsonl").read_text() == before


def test_open_existing_account_refused_even_after_close(funded):
    with pytest.raises(AccountExistsError):
        funded.open_account("x1", "alice", "Other")
    funded.open_account("x2", "carol", "Carol")
    funded.close_account("x3", "carol")
    with pytest.raises(AccountExistsError):
        funded.open_account("x4", "carol", "Carol again")


@pytest.mark.parametrize(
    "call",
    [
        lambda lg: lg.deposit("x", "nobody", 5),
        lambda lg: lg.withdraw("x", "nobody", 5),
        lambda lg: lg.transfer("x", "nobody", "alice", 5),
        lambda lg: lg.transfer("x", "alice", "nobody", 5),
        lambda lg: lg.close_account("x", "nobody"),
        lambda lg: lg.account("nobody"),
        lambda lg: lg.balance("nobody"),
        lambda lg: lg.history("nobody"),
    ],
)
def test_unknown_account(funded, call):
    with pytest.raises(AccountNotFoundError):
        call(funded)


def test_closed_account_accepts_nothing(funded):
    funded.open_account("c4", "carol", "Carol")
    assert funded.close_account("c5", "carol") == 5
    assert funded.account("carol").closed is True
    for call in (
        lambda: funded.deposit("d", "carol", 1),
        lambda: funded.withdraw("w", "carol", 1),
        lambda: funded.transfer("t", "alice", "carol", 1),
        lambda: funded.transfer("t", "carol", "alice", 1),
        lambda: funded.close_account("again", "carol"),
    ):
        with pytest.raises(AccountClosedError):
            call()
    assert funded.balance("carol") == 0
    assert funded.last_seq == 5


def test_close_requires_zero_balance(funded):
    with pytest.raises(NonZeroBalanceError):
        funded.close_account("x1", "alice")
    funded.withdraw("x2", "bob", 10)
    with pytest.raises(NonZeroBalanceError):
        funded.close_account("x3", "bob")
    funded.deposit("x4", "bob", 10)
    assert funded.close_account("x5", "bob") == 6


@pytest.mark.parametrize(
    "call",
    [
        lambda lg: lg.deposit("x", "alice", 0),
        lambda lg: lg.deposit("x", "alice", -5),
        lambda lg: lg.deposit("x", "alice", 2.5),
        lambda lg: lg.deposit("x", "alice", True),
        lambda lg: lg.deposit("x", "alice", "10"),
        lambda lg: lg.withdraw("x", "alice", 0),
        lambda lg: lg.transfer("x", "alice", "bob", -1),
        lambda lg: lg.transfer("x", "alice", "alice", 5),
        lambda lg: lg.deposit("", "alice", 5),
        lambda lg: lg.deposit(7, "alice", 5),
        lambda lg: lg.deposit("x", "", 5),
        lambda lg: lg.open_account("x", "dave", ""),
        lambda lg: lg.open_account("x", "", "Dave"),
        lambda lg: lg.open_account("x", "dave", "Dave", overdraft_limit=-1),
        lambda lg: lg.open_account("x", "dave", "Dave", overdraft_limit=1.5),
        lambda lg: lg.close_account("x", ""),
    ],
)
def test_invalid_arguments(funded, call):
    with pytest.raises(InvalidCommandError):
        call(funded)
    assert funded.last_seq == 3


def test_argument_errors_come_before_existence_errors(funded):
    with pytest.raises(InvalidCommandError):
        funded.deposit("x", "nobody", -1)
    with pytest.raises(InvalidCommandError):
        funded.transfer("x", "nobody", "nobody", 5)


def test_existence_checked_before_closed_and_funds(funded):
    funded.open_account("c4", "carol", "Carol")
    funded.close_account("c5", "carol")
    with pytest.raises(AccountNotFoundError):
        funded.transfer("x", "carol", "nobody", 10**9)
    with pytest.raises(AccountClosedError):
        funded.transfer("x", "alice", "carol", 10**9)


def test_repeated_command_is_idempotent(funded):
    first = funded.deposit("dep-1", "alice", 100)
    assert funded.deposit("dep-1", "alice", 100) == first
    assert funded.balance("alice") == 1100
    assert funded.last_seq == first


def test_retry_returns_original_seq_even_if_rules_would_now_refuse(funded):
    seq = funded.withdraw("w-1", "alice", 1000)
    assert funded.balance("alice") == 0
    assert funded.withdraw("w-1", "alice", 1000) == seq
    assert funded.balance("alice") == 0
    assert funded.open_account("c1", "alice", "Alice") == 1


@pytest.mark.parametrize(
    "call",
    [
        lambda lg: lg.deposit("c3", "alice", 999),
        lambda lg: lg.deposit("c3", "bob", 1000),
        lambda lg: lg.withdraw("c3", "alice", 1000),
        lambda lg: lg.open_account("c1", "alice", "Alice", overdraft_limit=5),
        lambda lg: lg.close_account("c2", "bob"),
    ],
)
def test_reused_command_id_with_other_command_conflicts(funded, call):
    with pytest.raises(CommandConflictError):
        call(funded)
    assert funded.last_seq == 3


def test_failed_command_id_stays_free(funded):
    with pytest.raises(InsufficientFundsError):
        funded.withdraw("retry-me", "alice", 5000)
    assert funded.deposit("retry-me", "alice", 1) == 4


def test_error_hierarchy():
    for cls in (
        InvalidCommandError,
        AccountNotFoundError,
        AccountExistsError,
        AccountClosedError,
        InsufficientFundsError,
        NonZeroBalanceError,
        CommandConflictError,
    ):
        assert issubclass(cls, LedgerError)
    assert issubclass(LedgerError, Exception)


def test_snapshot_every_validation(tmp_path):
    for bad in (0, -3, 2.0, "5", True):
        with pytest.raises(ValueError):
            Ledger(tmp_path / "x", snapshot_every=bad)

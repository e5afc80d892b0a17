import pytest
from ledger import AccountNotFoundError, HistoryEntry, Ledger


def build(lg):
    lg.open_account("c1", "alice", "Alice")  # 1
    lg.open_account("c2", "bob", "Bob", overdraft_limit=100)  # 2
    lg.deposit("c3", "alice", 500)  # 3: alice 500
    lg.transfer("c4", "alice", "bob", 200)  # 4: alice 300, bob 200
    lg.withdraw("c5", "bob", 250)  # 5: bob -50
    lg.deposit("c6", "bob", 50)  # 6: bob 0
    lg.transfer("c7", "alice", "bob", 300)  # 7: alice 0, bob 300
    lg.withdraw("c8", "bob", 300)  # 8: bob 0
    lg.close_account("c9", "bob")  # 9
    return lg


@pytest.fixture
def book(tmp_path):
    return build(Ledger(tmp_path / "book"))


ALICE = [
    HistoryEntry(1, "AccountOpened", 0, 0, None),
    HistoryEntry(3, "FundsDeposited", 500, 500, None),
    HistoryEntry(4, "TransferMade", -200, 300, "bob"),
    HistoryEntry(7, "TransferMade", -300, 0, "bob"),
]

BOB = [
    HistoryEntry(2, "AccountOpened", 0, 0, None),
    HistoryEntry(4, "TransferMade", 200, 200, "alice"),
    HistoryEntry(5, "FundsWithdrawn", -250, -50, None),
    HistoryEntry(6, "FundsDeposited", 50, 0, None),
    HistoryEntry(7, "TransferMade", 300, 300, "alice"),
    HistoryEntry(8, "FundsWithdrawn", -300, 0, None),
    HistoryEntry(9, "AccountClosed", 0, 0, None),
]


def test_history_of_account(book):
    assert book.history("alice") == ALICE


def test_history_of_closed_account_with_overdraft(book):
    assert book.history("bob") == BOB


def test_history_entry_fields_and_default():
    entry = HistoryEntry(3, "FundsDeposited", 5, 5)
    assert entry.counterparty is None
    assert (entry.seq, entry.event_type, entry.amount, entry.balance) == (3, "FundsDeposited", 5, 5)
    with pytest.raises(AttributeError):
        entry.amount = 7


def test_history_after_reopen(book, tmp_path):
    again = Ledger(tmp_path / "book")
    assert again.history("bob") == BOB


@pytest.mark.parametrize(
    ("account", "seq", "expected"),
    [
        ("alice", 1, 0),
        ("alice", 3, 500),
        ("alice", 4, 300),
        ("alice", 9, 0),
        ("bob", 2, 0),
        ("bob", 4, 200),
        ("bob", 5, -50),
        ("bob", 7, 300),
        ("bob", 9, 0),
    ],
)
def test_balance_at_past_sequence(book, account, seq, expected):
    assert book.balance(account, at_seq=seq) == expected


def test_balance_before_account_existed(book):
    with pytest.raises(AccountNotFoundError):
        book.balance("bob", at_seq=1)
    with pytest.raises(AccountNotFoundError):
        book.balance("alice", at_seq=0)


@pytest.mark.parametrize("bad", [-1, 10, 100, "3", 2.0])
def test_balance_at_invalid_sequence(book, bad):
    with pytest.raises(ValueError):
        book.balance("alice", at_seq=bad)


def test_closed_account_balance_still_readable(book):
    assert book.balance("bob") == 0
    assert book.account("bob").closed is True


def test_past_balance_ignores_later_events(tmp_path):
    lg = Ledger(tmp_path / "l")
    lg.open_account("o", "acc", "Owner")
    lg.deposit("d1", "acc", 10)
    lg.deposit("d2", "acc", 20)
    assert lg.balance("acc", at_seq=2) == 10
    lg.deposit("d3", "acc", 40)
    assert lg.balance("acc", at_seq=2) == 10
    assert lg.balance("acc", at_seq=4) == 70
    assert lg.balance("acc") == 70

import json

import pytest
from ledger import CorruptLogError, InsufficientFundsError, Ledger


def fill(lg, n_deposits):
    lg.open_account("open-a", "a", "Ann")
    lg.open_account("open-b", "b", "Ben", overdraft_limit=50)
    for i in range(n_deposits):
        lg.deposit(f"dep-{i}", "a", 10 * (i + 1))


def test_state_rebuilt_by_replay(tmp_path):
    lg = Ledger(tmp_path / "l")
    fill(lg, 3)
    lg.transfer("t", "a", "b", 25)
    again = Ledger(tmp_path / "l")
    assert again.last_seq == 6
    assert again.events_replayed == 6
    assert again.balance("a") == 60 - 25
    assert again.balance("b") == 25
    assert again.account("b").overdraft_limit == 50


def test_business_rules_hold_after_reopen(tmp_path):
    lg = Ledger(tmp_path / "l")
    fill(lg, 1)
    again = Ledger(tmp_path / "l")
    with pytest.raises(InsufficientFundsError):
        again.withdraw("w", "b", 51)
    assert again.withdraw("w", "b", 50) == 4


def test_command_ids_survive_reopen(tmp_path):
    lg = Ledger(tmp_path / "l")
    fill(lg, 2)
    again = Ledger(tmp_path / "l")
    assert again.deposit("dep-1", "a", 20) == 4
    assert again.last_seq == 4
    assert again.balance("a") == 30


def test_no_snapshot_without_snapshot_every(tmp_path):
    lg = Ledger(tmp_path / "l")
    fill(lg, 5)
    assert not (tmp_path / "l" / "snapshot.json").exists()


def test_snapshot_written_every_n_events(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=3)
    fill(lg, 2)  # 4 events
    snap = tmp_path / "l" / "snapshot.json"
    assert json.loads(snap.read_text(encoding="utf-8"))["seq"] == 3
    lg.deposit("more-1", "a", 1)
    lg.deposit("more-2", "a", 1)  # seq 6
    assert json.loads(snap.read_text(encoding="utf-8"))["seq"] == 6


def test_reopen_replays_only_events_after_snapshot(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=3)
    fill(lg, 5)  # 7 events, snapshot at 6
    again = Ledger(tmp_path / "l", snapshot_every=3)
    assert again.events_replayed == 1
    assert again.balance("a") == 150
    assert again.last_seq == 7


def test_snapshot_used_even_without_snapshot_every(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=2)
    fill(lg, 3)  # 5 events, snapshot at 4
    again = Ledger(tmp_path / "l")
    assert again.events_replayed == 1
    assert again.balance("a") == 60


def test_snapshot_preserves_command_ids_and_history(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=2)
    fill(lg, 2)  # snapshot at 4, nothing after it
    again = Ledger(tmp_path / "l")
    assert again.events_replayed == 0
    assert again.deposit("dep-0", "a", 10) == 3
    assert again.last_seq == 4
    assert [e.seq for e in again.history("a")] == [1, 3, 4]
    assert again.balance("a", at_seq=3) == 10


def test_manual_snapshot(tmp_path):
    lg = Ledger(tmp_path / "l")
    fill(lg, 2)
    assert lg.snapshot() == 4
    assert json.loads((tmp_path / "l" / "snapshot.json").read_text(encoding="utf-8"))["seq"] == 4
    lg.deposit("late", "a", 5)
    again = Ledger(tmp_path / "l")
    assert again.events_replayed == 1
    assert again.balance("a") == 35


def test_damaged_snapshot_is_ignored(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=2)
    fill(lg, 2)
    (tmp_path / "l" / "snapshot.json").write_text("{not json", encoding="utf-8")
    again = Ledger(tmp_path / "l")
    assert again.events_replayed == 4
    assert again.balance("a") == 30


def test_snapshot_ahead_of_log_means_lost_events(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=4)
    fill(lg, 2)  # 4 events, snapshot at 4
    log = tmp_path / "l" / "events.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    log.write_text("".join(lines[:3]), encoding="utf-8")
    with pytest.raises(CorruptLogError) as info:
        Ledger(tmp_path / "l")
    assert info.value.line_number is None


def test_corrupt_log_detected_by_ledger(tmp_path):
    lg = Ledger(tmp_path / "l")
    fill(lg, 3)
    log = tmp_path / "l" / "events.jsonl"
    text = log.read_text(encoding="utf-8")
    log.write_text(text.replace('"amount":20', '"amount":2000'), encoding="utf-8")
    with pytest.raises(CorruptLogError) as info:
        Ledger(tmp_path / "l")
    assert info.value.line_number == 4


def test_truncated_log_detected_by_ledger(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=100)
    fill(lg, 3)
    log = tmp_path / "l" / "events.jsonl"
    log.write_bytes(log.read_bytes()[:-5])
    with pytest.raises(CorruptLogError) as info:
        Ledger(tmp_path / "l")
    assert info.value.line_number == 5


def test_many_events_roundtrip(tmp_path):
    lg = Ledger(tmp_path / "l", snapshot_every=10)
    lg.open_account("o1", "x", "X")
    lg.open_account("o2", "y", "Y", overdraft_limit=1000)
    for i in range(60):
        if i % 3 == 0:
            lg.transfer(f"t{i}", "y", "x", 7)
        else:
            lg.deposit(f"d{i}", "x", 1)
    again = Ledger(tmp_path / "l", snapshot_every=10)
    assert again.last_seq == 62
    assert again.events_replayed == 2
    assert again.balance("x") == 20 * 7 + 40
    assert again.balance("y") == -140
    assert again.balance("y", at_seq=3) == -7

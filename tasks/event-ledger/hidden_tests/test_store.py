import hashlib
import json

import pytest
from ledger import (
    AccountClosed,
    AccountOpened,
    CorruptLogError,
    EventStore,
    FundsDeposited,
    FundsWithdrawn,
    LedgerError,
    Record,
    TransferMade,
)


def make_line(seq, type_name, command_id, data, checksum=None):
    body = {"seq": seq, "type": type_name, "command_id": command_id, "data": data}
    if checksum is None:
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        checksum = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    record = {**body, "checksum": checksum}
    return json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"


def test_events_are_frozen_value_objects():
    assert AccountOpened("a", "Ann") == AccountOpened("a", "Ann", 0)
    assert AccountOpened("a", "Ann").overdraft_limit == 0
    assert FundsDeposited("a", 5) != FundsWithdrawn("a", 5)
    assert TransferMade("a", "b", 5).to_account == "b"
    with pytest.raises(AttributeError):
        AccountClosed("a").account_id = "b"


def test_missing_file_is_empty_log(tmp_path):
    store = EventStore(tmp_path / "events.jsonl")
    assert store.last_seq == 0
    assert store.records() == []


def test_append_and_read_back(tmp_path):
    path = tmp_path / "sub" / "events.jsonl"
    store = EventStore(path)
    r1 = store.append(AccountOpened("a", "Ann", 50), "cmd-1")
    r2 = store.append(FundsDeposited("a", 700), "cmd-2")
    assert r1 == Record(1, "cmd-1", AccountOpened("a", "Ann", 50))
    assert r2.seq == 2
    assert store.last_seq == 2
    reopened = EventStore(path)
    assert reopened.records() == [r1, r2]
    assert reopened.records(after=1) == [r2]
    assert reopened.records(after=2) == []


def test_line_format_and_checksum(tmp_path):
    path = tmp_path / "events.jsonl"
    store = EventStore(path)
    store.append(TransferMade("a", "b", 125), "t-1")
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n") and text.count("\n") == 1
    obj = json.loads(text)
    assert set(obj) == {"seq", "type", "command_id", "data", "checksum"}
    assert obj["seq"] == 1
    assert obj["type"] == "TransferMade"
    assert obj["command_id"] == "t-1"
    assert obj["data"] == {"from_account": "a", "to_account": "b", "amount": 125}
    assert text == make_line(1, "TransferMade", "t-1", obj["data"])


def test_handwritten_valid_lines_are_accepted(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text(
        make_line(
            1, "AccountOpened", "x", {"account_id": "a", "owner": "Ann", "overdraft_limit": 0}
        )
        + make_line(2, "FundsDeposited", "y", {"account_id": "a", "amount": 42})
        + make_line(3, "AccountClosed", "z", {"account_id": "q"}),
        encoding="utf-8",
    )
    store = EventStore(path)
    assert [r.event for r in store.records()] == [
        AccountOpened("a", "Ann", 0),
        FundsDeposited("a", 42),
        AccountClosed("q"),
    ]
    assert [r.command_id for r in store.records()] == ["x", "y", "z"]


def test_other_json_formatting_of_a_record_is_accepted(tmp_path):
    line = json.loads(make_line(1, "FundsDeposited", "y", {"account_id": "a", "amount": 42}))
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps(line, indent=None) + "\n", encoding="utf-8")
    assert EventStore(path).records()[0].event == FundsDeposited("a", 42)


def _write_and_damage(tmp_path, damage):
    path = tmp_path / "events.jsonl"
    store = EventStore(path)
    store.append(AccountOpened("a", "Ann"), "c1")
    store.append(FundsDeposited("a", 500), "c2")
    store.append(FundsWithdrawn("a", 100), "c3")
    store.append(FundsDeposited("a", 7), "c4")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(damage(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("damage", "line_number"),
    [
        (lambda ls: ls[0] + ls[1].replace("500", "900") + "".join(ls[2:]), 2),
        (lambda ls: "".join(ls)[:-10], 4),
        (lambda ls: "".join(ls)[:-1], 4),
        (lambda ls: ls[0] + ls[1] + ls[3], 3),
        (lambda ls: "".join(ls) + "hello\n", 5),
        (lambda ls: ls[0] + "\n" + "".join(ls[1:]), 2),
        (lambda ls: ls[0] + ls[2] + ls[1] + ls[3], 2),
        (lambda ls: ls[0] + ls[1].replace('"c2"', '"c9"') + "".join(ls[2:]), 2),
        (lambda ls: "[1, 2, 3]\n" + "".join(ls[1:]), 1),
    ],
)
def test_corruption_detected_with_line_number(tmp_path, damage, line_number):
    path = _write_and_damage(tmp_path, damage)
    with pytest.raises(CorruptLogError) as info:
        EventStore(path)
    assert info.value.line_number == line_number
    assert isinstance(info.value, LedgerError)


@pytest.mark.parametrize(
    "line",
    [
        make_line(2, "FundsDeposited", "y", {"account_id": "a", "amount": 1}),
        make_line(1, "FundsStolen", "y", {"account_id": "a", "amount": 1}),
        make_line(1, "FundsDeposited", "y", {"account_id": "a"}),
        make_line(1, "FundsDeposited", "y", {"account_id": "a", "amount": 1, "extra": 1}),
        make_line(1, "FundsDeposited", "y", {"account_id": "a", "amount": "1"}),
        make_line(1, "FundsDeposited", "y", {"account_id": "a", "amount": 1.0}),
        make_line(1, "FundsDeposited", "y", {"account_id": "a", "amount": True}),
        make_line(1, "FundsDeposited", "y", {"account_id": 5, "amount": 1}),
        make_line(1, "AccountOpened", "y", {"account_id": "a", "owner": "Ann"}),
        make_line(1, "FundsDeposited", "y", {"account_id": "a", "amount": 1}, checksum="0" * 64),
        '{"seq": 1}\n',
    ],
)
def test_invalid_single_line(tmp_path, line):
    path = tmp_path / "events.jsonl"
    path.write_text(line, encoding="utf-8")
    with pytest.raises(CorruptLogError) as info:
        EventStore(path)
    assert info.value.line_number == 1


def test_empty_file_is_empty_log(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("", encoding="utf-8")
    assert EventStore(path).last_seq == 0

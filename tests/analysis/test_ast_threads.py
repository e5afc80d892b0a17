"""Parsing from many threads at once: the race of python/cpython#106905 cannot reach us."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

# Four threads parse a real module while the collector frees cycles whose finalizers let
# another thread run mid-construction. Without the lock this reproduces "AST constructor
# recursion depth mismatch" on CPython 3.11, as trials running in threads did. It runs in a
# fresh interpreter: inside pytest's process the timing rarely lines up.
STRESS = """
import gc, threading, time, pathlib
from analysis._ast import parse

source = pathlib.Path("analysis/_similarity.py").read_text()
errors = []
gc.set_threshold(50)

class Finalized:
    def __init__(self):
        self.me = self

    def __del__(self):
        time.sleep(0)

def work():
    for _ in range(150):
        for _ in range(20):
            Finalized()
        try:
            parse(source)
        except BaseException as error:
            errors.append(repr(error))

threads = [threading.Thread(target=work) for _ in range(4)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(len(errors), errors[:1])
"""


def test_parsing_in_four_threads_with_finalizers_running_never_raises() -> None:
    done = subprocess.run(
        [sys.executable, "-c", STRESS], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0 []"


def test_the_journal_parses_under_the_same_lock() -> None:
    # agents may not import analysis, so both find the lock on the ast module: one object.
    from agents import _journal
    from analysis import _ast

    assert _journal._AST_LOCK is _ast.AST_LOCK

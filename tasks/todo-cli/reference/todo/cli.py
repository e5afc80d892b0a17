"""The `todo` command line: add, list, done, remove and edit tasks in a JSON database."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable, Sequence

from todo.store import StoreError, Task, TodoStore, clean_tags, clean_title, parse_date

DEFAULT_DB = "todo.json"
ENV_VAR = "TODO_DB"
Handler = Callable[[TodoStore, argparse.Namespace], list[str]]


class CommandError(Exception):
    """A failure reported as ``error: <message>`` with an exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _date_arg(text: str) -> datetime.date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def format_task(task: Task) -> str:
    """One `list` line: ``<id>. [ ] <title> (due <date>) #tag ...``."""
    line = f"{task.id}. [{'x' if task.done else ' '}] {task.title}"
    if task.due is not None:
        line += f" (due {task.due.isoformat()})"
    return "".join([line, *(f" #{tag}" for tag in task.tags)])


def _find(store: TodoStore, ids: Sequence[int]) -> list[Task]:
    """The tasks with these ids, in order (repeats once); CommandError(1) if one is missing."""
    tasks: list[Task] = []
    for task_id in ids:
        try:
            task = store.get(task_id)
        except KeyError:
            raise CommandError(f"no task with id {task_id}", 1) from None
        if task not in tasks:
            tasks.append(task)
    return tasks


def _cmd_add(store: TodoStore, args: argparse.Namespace) -> list[str]:
    try:
        task = store.add(args.title, args.tag, args.due)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from None
    store.save()
    return [f"Added task {task.id}: {task.title}"]


def _cmd_list(store: TodoStore, args: argparse.Namespace) -> list[str]:
    lines = [
        format_task(task)
        for task in store.tasks()
        if (args.status == "all" or task.done == (args.status == "done"))
        and all(tag in task.tags for tag in args.tag)
        and (args.due_by is None or (task.due is not None and task.due <= args.due_by))
    ]
    return lines or ["No tasks."]


def _cmd_done(store: TodoStore, args: argparse.Namespace) -> list[str]:
    tasks = _find(store, args.ids)
    for task in tasks:
        task.done = True
    store.save()
    return [f"Completed task {task.id}: {task.title}" for task in tasks]


def _cmd_remove(store: TodoStore, args: argparse.Namespace) -> list[str]:
    tasks = _find(store, args.ids)
    for task in tasks:
        store.remove(task.id)
    store.save()
    return [f"Removed task {task.id}: {task.title}" for task in tasks]


def _cmd_edit(store: TodoStore, args: argparse.Namespace) -> list[str]:
    changes = (args.title, args.add_tag, args.remove_tag, args.due, args.no_due, args.open)
    if not any(change not in (None, [], False) for change in changes):
        raise CommandError("edit: nothing to change; give at least one option", 2)
    (task,) = _find(store, [args.id])
    try:
        title = task.title if args.title is None else clean_title(args.title)
        added = clean_tags(args.add_tag)
        clean_tags(args.remove_tag)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from None
    task.title = title
    tags = [*task.tags, *(tag for tag in added if tag not in task.tags)]
    task.tags = [tag for tag in tags if tag not in args.remove_tag]
    if args.due is not None or args.no_due:
        task.due = args.due
    if args.open:
        task.done = False
    store.save()
    return [f"Updated task {task.id}: {task.title}"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(prog="todo", description="Manage a to-do list.")
    parser.add_argument("--db", metavar="PATH", help=f"database file (${ENV_VAR}, {DEFAULT_DB})")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_)
        sub.set_defaults(handler=handler)
        return sub

    add = command("add", _cmd_add, "add a task")
    add.add_argument("title")
    add.add_argument("--tag", action="append", default=[], metavar="TAG")
    add.add_argument("--due", type=_date_arg, metavar="DATE")

    list_ = command("list", _cmd_list, "list tasks")
    list_.add_argument("--status", choices=("open", "done", "all"), default="open")
    list_.add_argument("--tag", action="append", default=[], metavar="TAG")
    list_.add_argument("--due-by", type=_date_arg, metavar="DATE")

    for name, handler, help_ in (
        ("done", _cmd_done, "mark tasks done"),
        ("remove", _cmd_remove, "remove tasks"),
    ):
        command(name, handler, help_).add_argument("ids", type=int, nargs="+", metavar="ID")

    edit = command("edit", _cmd_edit, "change a task")
    edit.add_argument("id", type=int, metavar="ID")
    edit.add_argument("--title")
    edit.add_argument("--add-tag", action="append", default=[], metavar="TAG")
    edit.add_argument("--remove-tag", action="append", default=[], metavar="TAG")
    due = edit.add_mutually_exclusive_group()
    due.add_argument("--due", type=_date_arg, metavar="DATE")
    due.add_argument("--no-due", action="store_true")
    edit.add_argument("--open", action="store_true", help="mark the task as not done")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line on `argv` (default: ``sys.argv[1:]``) and return the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors (2) and --help (0)
        return exc.code if isinstance(exc.code, int) else 2
    path = args.db or os.environ.get(ENV_VAR) or DEFAULT_DB
    try:
        lines = args.handler(TodoStore.load(path), args)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    for line in lines:
        print(line)
    return 0

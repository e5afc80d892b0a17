"""A to-do list manager: JSON storage (`todo.store`) and a command line (`todo.cli`)."""

from todo.cli import main
from todo.store import StoreError, Task, TodoStore

__all__ = ["StoreError", "Task", "TodoStore", "main"]

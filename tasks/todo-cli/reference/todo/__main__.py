"""Run the command line: ``python -m todo ...``."""

from todo.cli import main

raise SystemExit(main())

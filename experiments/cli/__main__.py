"""`python -m experiments.cli`: the `experiment` command."""

from experiments.cli import main

main()

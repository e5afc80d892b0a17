"""The README and the CLI agree: every `experiment …` command it shows exists with the options it
gives, and every option it names in passing belongs to some `experiment` command."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer.main

from experiments.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
# Options of other tools that the README names in prose (Docker's, for the image build and the
# docker sandbox backend).
OTHER_TOOLS = {"--build-arg", "--network"}


def _root() -> Any:
    return typer.main.get_command(app)


def _is_group(command: Any) -> bool:
    # By shape: typer may bring its own copy of click, so isinstance(click.Group) can fail.
    return hasattr(command, "commands")


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name, command in group.commands.items():
        yield (*path, name), command
        if _is_group(command):
            yield from _commands(command, (*path, name))


def _options(command: Any) -> set[str]:
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def _readme_lines(text: str) -> list[str]:
    """Shell lines of the code blocks, and inline code that runs `experiment`."""
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", text, flags=re.S)
    lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
    return lines + re.findall(r"`([^`\n]*\bexperiment [^`\n]*)`", text)


def _invocations(lines: list[str]) -> Iterator[list[str]]:
    """The arguments of each `experiment …` invocation on the lines."""
    for line in lines:
        code = line.split("#", 1)[0]
        for part in re.split(r"&&|\|\||;|\|", code):
            words = shlex.split(part, posix=True) if part.strip() else []
            while words and "=" in words[0] and not words[0].startswith("-"):
                words = words[1:]  # VAR=value prefixes
            if words and words[0].endswith("experiment"):
                yield words[1:]


def _resolve(words: list[str]) -> tuple[list[str], Any]:
    command = _root()
    path: list[str] = []
    while _is_group(command) and words and words[0] in command.commands:
        path.append(words[0])
        command = command.commands[words.pop(0)]
    return path, command


def _problems(invocations: list[list[str]]) -> list[str]:
    """Unknown commands and options in the invocations."""
    problems = []
    for words in invocations:
        path, command = _resolve(list(words))
        rest = words[len(path) :]
        if _is_group(command):
            if rest and not rest[0].startswith("-"):
                problems.append(f"experiment {' '.join(words)}: no command {rest[0]!r}")
            continue
        known = _options(command) | {"--help"}
        for word in rest:
            flag = word.split("=", 1)[0]
            if flag.startswith("--") and flag not in known:
                problems.append(f"experiment {' '.join(path)}: no option {flag}")
    return problems


def test_every_shown_command_exists_with_its_options() -> None:
    shown = list(_invocations(_readme_lines(README.read_text(encoding="utf-8"))))
    assert len(shown) > 20, "the README shows the commands it documents"
    assert _problems(shown) == []


def test_the_check_finds_an_option_or_a_command_that_does_not_exist() -> None:
    lines = [
        "experiment run tasks/x/task.yaml --mock-script s.yaml",
        "RAY_ADDRESS=ray://h experiment tasks lsit",
        "`experiment report runs/ --out x` and `experiment post runs/`",
    ]
    assert _problems(list(_invocations(lines))) == [
        "experiment run: no option --mock-script",
        "experiment tasks lsit: no command 'lsit'",
        "experiment report: no option --out",
    ]


def test_every_option_named_in_prose_belongs_to_a_command() -> None:
    text = README.read_text(encoding="utf-8")
    named = {span.split()[0].split("=")[0] for span in re.findall(r"`(--[a-z][^`]*)`", text)}
    everything = {opt for _, command in _commands(_root()) for opt in _options(command)}
    assert named, "the README names options in its prose"
    assert sorted(named - everything - OTHER_TOOLS) == []

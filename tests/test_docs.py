"""The README stays honest: every setting and command is documented, and CI runs the README's
test command."""

from __future__ import annotations

import re

import click

from conftest import ROOT
from s2s_graph.cli import main
from s2s_graph.settings import describe_settings

README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    """Return the shell commands of the README's fenced ``sh`` blocks."""
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", README, re.DOTALL)]


def test_every_setting_is_in_the_readme_with_its_default():
    for variable, default, _ in describe_settings():
        shown = f"`{default}`" if default else "(none)"
        assert re.search(rf"\| `{variable}` \| {re.escape(shown)} \|", README), variable


def test_every_command_is_in_the_readme():
    for name in main.commands:
        assert f"`s2s-graph {name}" in README, name


def test_every_option_has_help_text():
    for command in main.commands.values():
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{command.name} {param.name}"


def test_the_readme_has_exactly_two_setup_commands():
    commands = readme_commands()
    assert len(commands) == 2
    assert all("\n" not in command for command in commands)


def test_ci_runs_exactly_the_readme_test_command():
    test_command = readme_commands()[1]
    ci_lines = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
                if line and not line.startswith("#") and not line.startswith("set ")
                and not line.startswith("cd ")]
    assert ci_lines == [test_command]

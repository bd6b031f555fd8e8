"""Tables for people: plain aligned columns off a terminal, rich only on one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from slurmlib.cli.words import plain_table


def test_plain_table_aligns_left_and_right_columns_two_spaces_apart() -> None:
    lines = plain_table(
        ["NAME", "CPUS", "NOTE"],
        [["node1", "8", ("drained", "red")], ["n2", "128", ""]],
        left=(0, 2),
    )
    assert lines == [
        "NAME   CPUS  NOTE",
        "node1     8  drained",
        "n2      128",
    ]
    assert plain_table(["A", "B"], [["x", "1"]], show_header=False) == ["x  1"]


@pytest.mark.parametrize("argv", [["nodes"], ["top", "--once"], ["limits"]])
def test_a_command_piped_prints_plain_text_without_loading_rich(
    slurm_conf: Path, argv: list[str]
) -> None:
    # Loading rich costs a command a tenth of a second; off a terminal it draws nothing.
    code = (
        "import sys\n"
        "from slurmlib.cli import main\n"
        f"rc = main({argv!r})\n"
        "sys.stdout.flush()\n"
        "print('rich loaded' if 'rich' in sys.modules else 'no rich', file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "no rich"
    assert "\x1b[" not in done.stdout and done.stdout.strip()


def test_a_reader_that_goes_away_ends_the_command_quietly(slurm_conf: Path) -> None:
    # `slurmlib nodes --long --json | head -c 100`: the rest of its ~0.5 MB meets a closed
    # pipe, in a write or in the flush before the command's exit; either way exit 0, quietly.
    with subprocess.Popen(
        [sys.executable, "-m", "slurmlib.cli", "nodes", "--long", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.read(100)
        proc.stdout.close()
        errors = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, errors
    assert first.startswith(b"{") and errors == ""


def test_main_called_from_python_keeps_nothing_for_the_exit() -> None:
    # Only the `slurmlib` command ends with os._exit; a program calling main() goes on,
    # so what a command asks to keep must be freed as usual there.
    from slurmlib import cli

    held = object()
    before = sys.getrefcount(held)
    cli.keep(held)
    assert sys.getrefcount(held) == before and cli._kept is None

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

"""Output for the ``slurmlib`` commands: a table for people, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


class Output:
    """Writes tables (rich, coloured only on a terminal) and JSON."""

    def __init__(self, stream: TextIO = sys.stdout, errors: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.errors = errors

    def json(self, data: Any) -> None:
        # Indented for a person at a terminal; compact otherwise, where Python's C encoder
        # does the work in one call (indenting falls back to the pure-Python encoder and
        # millions of small writes: 17 s instead of 1 s for a 50,000-job queue).
        if self.stream.isatty():
            self.stream.write(json.dumps(data, indent=2) + "\n")
        else:
            self.stream.write(json.dumps(data, separators=(",", ":")) + "\n")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        try:
            from rich.console import Console
            from rich.table import Table
            from rich.text import Text
        except ImportError:  # rich is optional: plain aligned columns without it
            widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
            for row in [header, *rows]:
                self.stream.write(
                    "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                    + "\n"
                )
            return
        table = Table(box=None, header_style="bold")
        for name in header:
            table.add_column(name, justify="left" if name == header[0] else "right")
        for row in rows:
            # Text, not markup: values such as "GrpTRES[cpu]" are data, not styles.
            table.add_row(*(Text(str(cell)) for cell in row))
        # Off a terminal nothing is coloured and nothing is cut to 80 columns.
        wide = None if self.stream.isatty() else 1000
        Console(file=self.stream, highlight=False, width=wide).print(table)

    def error(self, message: str) -> None:
        self.errors.write(f"slurmlib: {message}\n")

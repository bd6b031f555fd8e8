"""Output for the ``slurmlib`` commands: a table for people, JSON for machines."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO


class Output:
    """Writes tables (rich on a terminal, plain columns elsewhere) and JSON."""

    def __init__(self, stream: TextIO = sys.stdout, errors: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.errors = errors

    def json(self, data: Any) -> None:
        """Write ``data`` as one JSON document and a newline: indented on a terminal,
        compact elsewhere."""
        # Indented for a person at a terminal; compact otherwise, where Python's C encoder
        # does the work in one call (indenting falls back to the pure-Python encoder and
        # millions of small writes: 17 s instead of 1 s for a 50,000-job queue).
        if self.stream.isatty():
            self.stream.write(json.dumps(data, indent=2) + "\n")
        else:
            self.stream.write(json.dumps(data, separators=(",", ":")) + "\n")

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """The first column left-aligned, the others right-aligned."""
        from .words import render_table

        render_table(self.stream, header, [[str(c) for c in row] for row in rows])

    def error(self, message: str) -> None:
        """Write ``message`` to the error stream as one ``slurmlib: ...`` line."""
        self.errors.write(f"slurmlib: {message}\n")

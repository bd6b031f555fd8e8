"""Small formatting helpers shared by the ``slurmlib`` commands: host lists, ages, times."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Generic, TextIO, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Memo(dict[K, V], Generic[K, V]):
    """A dict that computes a missing value once, from its key."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: K) -> V:
        value = self[key] = self.compute(key)
        return value


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def side_by_side(first: Callable[[], V], second: Callable[[], K]) -> tuple[V, K]:
    """``(first(), second())``, with ``second`` run in a thread meanwhile.

    For two loads: slurmlib's loads of different kinds run at once, so the short one is
    answered and converted while the controller is still packing the long one (the 50,000
    jobs of a large queue keep it busy for a fifth of a second). An error of either is
    raised here, the first call's first.
    """
    box: list[K] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            box.append(second())
        except BaseException as exc:  # handed to the caller below
            failed.append(exc)

    thread = threading.Thread(target=run, name="slurmlib-load", daemon=True)
    thread.start()
    try:
        result = first()
    finally:
        thread.join()
    if failed:
        raise failed[0]
    return result, box[0]


def compress_hostlist(names: Iterable[str]) -> str:
    """``["node1", "node2", "node3", "gpu01"]`` → ``"gpu01,node[1-3]"``.

    The inverse of Slurm's host list expansion, for display: names that share a prefix and
    the width of their number are folded into ranges; other names are kept as they are.
    """
    numbered: list[tuple[str, str]] = []
    plain: list[str] = []
    for name in names:
        match = _NUMBERED.match(name)
        if match is None:
            plain.append(name)
        else:
            numbered.append((match.group(1), match.group(2)))
    # Zero-padded numbers have a fixed width ("big0001"); an unpadded number of the same
    # width ("big1000") belongs to that range too, as in Slurm's own host lists.
    padded = {(prefix, len(d)) for prefix, d in numbered if d.startswith("0") and len(d) > 1}
    groups: dict[tuple[str, int], list[int]] = {}
    for prefix, digits in numbered:
        width = len(digits) if (prefix, len(digits)) in padded else 0
        groups.setdefault((prefix, width), []).append(int(digits))
    parts = sorted(set(plain))
    for (prefix, width), numbers in sorted(groups.items()):
        numbers = sorted(set(numbers))
        ranges: list[str] = []
        start = prev = numbers[0]
        for number in [*numbers[1:], None]:
            if number is not None and number == prev + 1:
                prev = number
                continue
            first, last = f"{start:0{width}d}", f"{prev:0{width}d}"
            ranges.append(first if start == prev else f"{first}-{last}")
            if number is not None:
                start = prev = number
        if len(ranges) == 1 and "-" not in ranges[0]:
            parts.append(prefix + ranges[0])
        else:
            parts.append(f"{prefix}[{','.join(ranges)}]")
    return ",".join(parts)


def age(delta: timedelta | None) -> str:
    """A duration as people say it: ``"3d 4h"``, ``"2h 5m"``, ``"40s"``."""
    if delta is None:
        return "-"
    seconds = max(int(delta.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


def since(moment: datetime | None, now: datetime | None = None) -> timedelta | None:
    """How long ago ``moment`` was."""
    if moment is None:
        return None
    return (now or datetime.now(UTC)) - moment


def local_time(moment: datetime | None) -> str:
    """An aware datetime in this machine's time zone, to the second (as Slurm prints it)."""
    if moment is None:
        return "-"
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M:%S")


def iso(moment: datetime | None) -> str | None:
    """An aware datetime as ISO 8601 text for ``--json`` (``None`` stays ``None``)."""
    return moment.isoformat() if moment is not None else None


Cell = str | tuple[str, str]
"""A table cell: its text, or (text, rich style) for a terminal."""


def plain_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    left: Iterable[int] = (0,),
    show_header: bool = True,
) -> list[str]:
    """The lines of a table as plain aligned columns, two spaces apart."""
    lefts = set(left)
    texts = [[c if isinstance(c, str) else c[0] for c in row] for row in rows]
    lines = [list(header), *texts] if show_header else texts
    widths = [max((len(line[i]) for line in lines), default=0) for i in range(len(header))]
    return [
        "  ".join(
            c.ljust(w) if i in lefts else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    ]


def on_terminal(stream: TextIO) -> bool:
    """Whether ``stream`` is a terminal and rich is there to draw on it.

    Tables are rich (bold headers, colours, cut to the terminal's width) only there:
    off a terminal they are plain aligned columns, which is what a pipe wants and spares
    every command piped into another the tenth of a second it takes to load rich.
    """
    if not stream.isatty():
        return False
    try:
        import rich  # noqa: F401
    except ImportError:  # rich is optional (the "cli" extra)
        return False
    return True


def render_table(
    stream: TextIO,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    left: Iterable[int] = (0,),
    show_header: bool = True,
) -> None:
    """A table with chosen columns left-aligned (the others right-aligned) and optional
    per-cell styles (``(text, style)``), shown only on a terminal."""
    if not on_terminal(stream):
        stream.write("".join(line + "\n" for line in plain_table(header, rows, left, show_header)))
        return
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    lefts = set(left)
    table = Table(box=None, header_style="bold", show_header=show_header)
    for i, name in enumerate(header):
        table.add_column(name, justify="left" if i in lefts else "right")
    for row in rows:
        # Text, not markup: values such as "GrpTRES[cpu]" are data, not styles.
        table.add_row(*(Text(c) if isinstance(c, str) else Text(c[0], style=c[1]) for c in row))
    Console(file=stream, highlight=False).print(table)

"""Parse what Slurm's accounting tools print (``sacct``, ``sacctmgr``, ``sreport``) into
values comparable with slurmlib's records."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from slurmlib import UNLIMITED
from slurmlib.convert import tres as tres_text

from ..slurmtools import parsable, run


def duration(text: str) -> timedelta | None:
    """``[D-]HH:MM:SS``, ``MM:SS.mmm`` → timedelta; "" → None."""
    if not text or text in ("Partition_Limit", "UNLIMITED"):
        return None
    days = 0
    if "-" in text:
        head, text = text.split("-", 1)
        days = int(head)
    parts = text.split(":")
    seconds = float(parts[-1])
    minutes = int(parts[-2]) if len(parts) > 1 else 0
    hours = int(parts[-3]) if len(parts) > 2 else 0
    return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)


def limit(text: str) -> Any:
    """A count limit as sacctmgr prints it: "" is no limit (slurmlib: UNLIMITED or None)."""
    return int(text) if text else UNLIMITED


def wall(text: str) -> Any:
    return duration(text) if text else UNLIMITED


def when(text: str) -> datetime | None:
    """sacct's local time (``2026-11-23T23:09:39``), "Unknown"/"None" → None."""
    if not text or text in ("Unknown", "None"):
        return None
    return datetime.fromisoformat(text).astimezone(UTC)


def tres(text: str) -> dict[str, int]:
    return tres_text(text)


def sacctmgr(kind: str, fields: str, *args: str) -> list[dict[str, str]]:
    return parsable("sacctmgr", "show", kind, *args, f"format={fields}")


def sacct(fields: str, *args: str) -> list[dict[str, str]]:
    return parsable("sacct", "--noconvert", "-a", *args, "-o", fields)


def sreport(*args: str) -> list[dict[str, str]]:
    """``sreport -P -n``-style rows with the header sreport prints after its banner."""
    out = run("sreport", "-P", *args).stdout.splitlines()
    rows = [line for line in out if line and not line.startswith("-") and "|" in line]
    if not rows:
        return []
    header = rows[0].split("|")
    return [dict(zip(header, line.split("|"), strict=True)) for line in rows[1:]]


def exit_code(text: str) -> tuple[int, int]:
    code, _, signal = text.partition(":")
    return int(code), int(signal)


def shows_exit(text: str, code: int | None, signal: int | None) -> bool:
    """Whether sacct's ``ExitCode`` text is this exit status, by the rule of its release.

    22.05's sacct takes 128 off a code of 128 or more: a shell that died after its child
    got SIGTERM exits 143, shown ``15:0``; 26.05's prints ``143:0``. slurmlib keeps 143.
    Whether a cancelled batch step ends by the signal itself (``0:15``) or by its shell's
    exit (143) depends on timing, so a test cannot pick the case.
    """
    printed = exit_code(text)
    code, signal = code or 0, signal or 0
    return printed == (code, signal) or (code >= 128 and printed == (code - 128, signal))


def step_suffix(job_id_raw: str) -> str | None:
    match = re.match(r"^\d+(?:\.(.+))?$", job_id_raw)
    assert match, job_id_raw
    return match.group(1)

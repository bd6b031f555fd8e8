"""Numbers and durations given to the ``slurmlib`` commands, checked as they are parsed.

Every numeric option of every command goes through :func:`count` or :func:`duration` (as
argparse's ``type=``), or through :func:`parse_duration` where the value needs more than
the option's text: a value that is not a number, or is out of the option's range, is
refused in one line naming the option, with exit status 2, before anything is asked of
Slurm.

Durations are a number in the option's unit (``30``), or numbers with units, added up
(``500ms``, ``30s``, ``5m``, ``2h``, ``7d``, ``2w``, ``1d12h``). Never ``inf`` or ``nan``.
Times (:func:`parse_time`) are ISO 8601, from 1970 on.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["MAX_DURATION", "count", "duration", "has_units", "parse_duration", "parse_time"]

UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 7 * 86400.0}

MAX_DURATION = 365 * 86400.0
"""The longest duration an option takes unless it says otherwise (a year, in seconds):
longer thresholds and intervals mean nothing to a cluster, and Python's timers and
timedelta refuse values far beyond it (``threading.TIMEOUT_MAX``, ``timedelta.max``)."""

_NUMBER = r"\d+(?:\.\d+)?"
_PART = re.compile(rf"({_NUMBER})\s*(ms|[smhdw])")
_PARTS = re.compile(rf"(?:\s*{_NUMBER}\s*(?:ms|[smhdw]))+\s*")
_BARE = re.compile(rf"\s*({_NUMBER})\s*")


def _spelled(seconds: float) -> str:
    """Seconds in the largest unit that divides them, for messages (``365d``, ``0.5s``)."""
    for unit in ("w", "d", "h", "m", "s"):
        if seconds >= UNITS[unit] and seconds % UNITS[unit] == 0:
            return f"{seconds / UNITS[unit]:g}{unit}"
    return f"{seconds:g}s"


def has_units(text: str) -> bool:
    """Whether ``text`` is written as a duration with units (``7d``, ``1d12h``)."""
    return _PARTS.fullmatch(text) is not None


def parse_duration(
    text: str,
    option: str,
    *,
    unit: str | None = "s",
    minimum: float = 0.0,
    maximum: float = MAX_DURATION,
    positive: bool = False,
) -> float:
    """A duration in seconds: ``ValueError`` naming ``option`` for anything else.

    A bare number is in ``unit`` (refused when ``unit`` is None); the result is between
    ``minimum`` and ``maximum`` seconds, and above zero when ``positive``.
    """
    try:
        return _seconds(text, unit, minimum, maximum, positive)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None


def _seconds(text: str, unit: str | None, minimum: float, maximum: float, positive: bool) -> float:
    bare = _BARE.fullmatch(text)
    if bare is not None and unit is not None:
        seconds = float(bare[1]) * UNITS[unit]
    elif _PARTS.fullmatch(text):
        seconds = sum(float(number) * UNITS[u] for number, u in _PART.findall(text))
    else:
        bare_means = f"a number of {_UNIT_NAMES[unit]}, or " if unit is not None else ""
        raise ValueError(
            f"not a duration: {text!r} ({bare_means}with units: 500ms, 30s, 5m, 2h, 7d, 1d12h)"
        )
    # A number of hundreds of digits is a float of infinity.
    if not math.isfinite(seconds):
        raise ValueError(f"out of range: {text!r}")
    if not minimum <= seconds <= maximum:
        low = _spelled(minimum) if minimum else "0"
        raise ValueError(f"must be between {low} and {_spelled(maximum)}, not {text!r}")
    if positive and seconds <= 0:
        raise ValueError(f"must be more than zero, not {text!r}")
    return seconds


_UNIT_NAMES = {"ms": "milliseconds", "s": "seconds", "m": "minutes", "h": "hours"}


def duration(
    *,
    unit: str = "s",
    minimum: float = 0.0,
    maximum: float = MAX_DURATION,
    positive: bool = False,
) -> Callable[[str], float]:
    """An argparse ``type=`` for a duration option: its value in seconds."""

    def convert(text: str) -> float:
        try:
            return _seconds(text, unit, minimum, maximum, positive)
        except ValueError as exc:
            # argparse names the option itself ("argument --interval: ...").
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = "duration"
    return convert


def count(*, minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=`` for a whole number between ``minimum`` and ``maximum``."""

    def convert(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = (
                f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            )
            raise argparse.ArgumentTypeError(f"must be {bound}, not {text!r}")
        return value

    convert.__name__ = "count"
    return convert


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_time(text: str, option: str, example: str = "2026-11-20T08:00") -> datetime:
    """An ISO 8601 date or time, in local time unless it names its zone; aware, and not
    before 1970, where Unix time (and so Slurm's) begins. ``ValueError`` naming ``option``
    otherwise."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{option}: not an ISO 8601 time (like {example}): {text!r}") from None
    try:
        if moment.tzinfo is None:
            moment = moment.astimezone()
    except (ValueError, OverflowError):  # the first or last days of datetime, made local
        raise ValueError(f"{option}: {text!r} is out of range") from None
    if moment < EPOCH:
        raise ValueError(f"{option}: {text!r} is before 1970")
    return moment

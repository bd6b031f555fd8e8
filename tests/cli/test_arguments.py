"""Numbers and durations of every subcommand: one shared parser, and a value out of range is
one line on stderr and exit 2, never a traceback.

The options are refused before anything is asked of Slurm: none of these needs the cluster.
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, datetime

import pytest

from slurmlib.cli.arguments import (
    MAX_DURATION,
    count,
    duration,
    has_units,
    parse_duration,
    parse_time,
)

from .test_nodes import slurmlib


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("30", "s", 30.0),
        ("5", "m", 300.0),
        ("1.5", "s", 1.5),
        ("500ms", "s", 0.5),
        ("90s", "m", 90.0),
        ("2h", "s", 7200.0),
        ("1d12h", "s", 36 * 3600.0),
        ("2w", "s", 14 * 86400.0),
        (" 7 d ", "s", 7 * 86400.0),
    ],
)
def test_a_duration_is_a_number_in_the_options_unit_or_numbers_with_units(
    text: str, unit: str, seconds: float
) -> None:
    assert parse_duration(text, "--x", unit=unit) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("inf", "--x: not a duration: 'inf'"),
        ("nan", "--x: not a duration"),
        ("1e308", "--x: not a duration"),
        ("-1", "--x: not a duration"),
        ("7x", "--x: not a duration"),
        ("9" * 400 + "d", "--x: out of range"),
        ("366d", "--x: must be between 0 and 365d, not '366d'"),
        ("99999999", "--x: must be between 0 and 365d"),
    ],
)
def test_a_duration_that_is_not_one_or_out_of_range_is_refused_naming_the_option(
    text: str, message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        parse_duration(text, "--x", unit="m")
    assert str(refused.value).startswith(message), refused.value


def test_a_positive_duration_refuses_zero_and_units_can_be_required() -> None:
    with pytest.raises(ValueError, match="--x: must be more than zero, not '0s'"):
        parse_duration("0s", "--x", positive=True)
    with pytest.raises(ValueError, match=r"not a duration: '7' \(with units"):
        parse_duration("7", "--x", unit=None)
    assert parse_duration("365d", "--x") == MAX_DURATION
    assert has_units("1d12h") and not has_units("12") and not has_units("2026-11-20")


def test_argparse_types_give_argparse_one_message() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="must be at least 0, not '-1'"):
        count()("-1")
    with pytest.raises(argparse.ArgumentTypeError, match="not a whole number: '1e3'"):
        count()("1e3")
    with pytest.raises(argparse.ArgumentTypeError, match="between 1 and 9, not '10'"):
        count(minimum=1, maximum=9)("10")
    assert count()("12") == 12
    assert duration(unit="m")("2") == 120.0
    with pytest.raises(argparse.ArgumentTypeError, match=r"^not a duration: 'inf'"):
        duration()("inf")


def test_a_time_is_iso_8601_from_1970_on() -> None:
    assert parse_time("2026-11-20T08:00+00:00", "--t") == datetime(2026, 11, 20, 8, tzinfo=UTC)
    local = parse_time("2026-11-20", "--t")
    assert local.tzinfo is not None
    for text, message in [
        ("0001-01-01", "--t: '0001-01-01' is"),
        ("1969-12-31T23:59:59+00:00", "before 1970"),
        ("yesterday", "--t: not an ISO 8601 time"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_time(text, "--t")
    assert not math.isnan(local.timestamp())


@pytest.mark.parametrize(
    "argv",
    [
        ["health", "--max-backfill-cycle", "inf"],
        ["health", "--max-backfill-cycle", "nan"],
        ["health", "--max-backfill-cycle", "-1"],
        ["health", "--completing-after", "1e308"],
        ["health", "--completing-after", "99999999"],
        ["health", "--top", "-1"],
        ["health", "--max-server-threads", "-5"],
        ["health", "--max-agent-queue", "1e3"],
        ["eff", "--since", "99999999d"],
        ["eff", "--since", "9" * 400 + "d"],
        ["eff", "--since", "0001-01-01"],
        ["eff", "--until", "1969-12-31T00:00+00:00"],
        ["eff", "--top", "-1"],
        ["top", "--once", "--interval", "inf"],
        ["top", "--once", "--interval", "1e308"],
        ["top", "--once", "--interval", "99999999999999"],
        ["top", "--once", "--rows", "0"],
        ["exporter", "--once", "--interval", "99999999999999h"],
        ["exporter", "--once", "--limits-interval", "nan"],
        ["exporter", "--once", "--finished-lag", "-1s"],
        ["exporter", "--once", "--finished-since", "0001-01-01"],
        ["limits", "--top", "-1"],
        ["limits", "--top", "many"],
        ["why", "99999999999"],
        ["why", "4_[x]"],
    ],
)
def test_an_option_out_of_range_is_one_line_and_exit_2(argv: list[str]) -> None:
    done = slurmlib(*argv)
    assert done.returncode == 2, (argv, done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith(f"slurmlib {argv[0]}: "), lines[0]
    assert done.stdout == ""

"""The numbers, durations and times the ``slurmlib`` commands take (``cli/arguments.py``)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

import pytest

from slurmlib.cli import arguments


@pytest.mark.parametrize(
    ("text", "unit", "seconds"),
    [
        ("30", "s", 30.0),
        ("5", "m", 300.0),
        ("2", "h", 7200.0),
        ("250ms", "s", 0.25),
        ("1d12h", "s", 36 * 3600.0),
        ("1w 2d", "s", 9 * 86400.0),
        ("1.5m", "s", 90.0),
    ],
)
def test_a_duration_is_a_number_in_the_options_unit_or_numbers_with_units(
    text: str, unit: str, seconds: float
) -> None:
    assert arguments.parse_duration(text, "--every", unit=unit) == seconds


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "--every: not a duration: 'soon'"),
        ("5x", "--every: not a duration: '5x'"),
        ("inf", "--every: not a duration: 'inf'"),
        ("-5", "--every: not a duration: '-5'"),
        ("400d", "--every: must be between 0 and 365d, not '400d'"),
        ("9" * 400, "--every: out of range"),
    ],
)
def test_a_duration_that_is_not_one_or_out_of_range_is_refused_naming_the_option(
    text: str, message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        arguments.parse_duration(text, "--every")
    assert str(refused.value).startswith(message)


def test_units_can_be_required_and_zero_refused() -> None:
    with pytest.raises(ValueError, match="with units"):
        arguments.parse_duration("30", "--age", unit=None)
    with pytest.raises(ValueError, match="must be more than zero"):
        arguments.parse_duration("0s", "--every", positive=True)
    assert arguments.has_units("1d12h") and not arguments.has_units("12")


def test_argparse_types_refuse_in_one_message_argparse_prefixes_with_the_option() -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--top", type=arguments.count(minimum=1, maximum=50))
    parser.add_argument("--every", type=arguments.duration(minimum=1))
    args = parser.parse_args(["--top", " 7 ", "--every", "2m"])
    assert (args.top, args.every) == (7, 120.0)
    for argv, message in (
        (["--top", "0"], "must be between 1 and 50, not '0'"),
        (["--top", "seven"], "not a whole number: 'seven'"),
        (["--every", "0.5"], "must be between 1s and 365d, not '0.5'"),
    ):
        with pytest.raises(argparse.ArgumentError, match=message):
            parser.parse_args(argv)


def test_a_time_is_iso_8601_aware_and_from_1970_on() -> None:
    assert arguments.parse_time("2026-11-20T08:00+01:00", "--since") == datetime(
        2026, 11, 20, 7, 0, tzinfo=UTC
    )
    local = arguments.parse_time("2026-11-20", "--since")
    assert local.tzinfo is not None
    with pytest.raises(ValueError, match=r"^--since: '1969-12-31T00:00Z' is before 1970"):
        arguments.parse_time("1969-12-31T00:00Z", "--since")
    with pytest.raises(ValueError, match=r"^--since: not an ISO 8601 time"):
        arguments.parse_time("last tuesday", "--since")

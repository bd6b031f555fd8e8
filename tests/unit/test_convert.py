"""The pure conversions: sentinels, times, durations, TRES strings, bit runs, Unlimited."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta

import pytest

from slurmlib import convert as cv
from slurmlib._frozen import FrozenMap


@pytest.mark.parametrize(
    ("value", "width", "expected"),
    [
        (0xFFFE, 16, None),
        (0xFFFF, 16, cv.UNLIMITED),
        (0xFFFFFFFE, 32, None),
        (0xFFFFFFFF, 32, cv.UNLIMITED),
        (2**64 - 2, 64, None),
        (2**64 - 1, 64, cv.UNLIMITED),
        (7, 32, 7),
        (0, 16, 0),
        # A 16-bit sentinel is an ordinary number at 32 bits, and the other way round.
        (0xFFFE, 32, 0xFFFE),
        (0xFFFFFFFF, 64, 0xFFFFFFFF),
    ],
)
def test_sentinels_of_each_width_become_none_or_unlimited(
    value: int, width: int, expected: object
) -> None:
    assert cv.count(value, width) == expected


def test_a_plain_count_has_no_unlimited_either_sentinel_is_unset() -> None:
    assert cv.plain(cv.INFINITE) is None
    assert cv.plain(cv.NO_VAL) is None
    assert cv.plain(cv.INFINITE16, 16) is None
    assert cv.plain(12) == 12


def test_time_t_becomes_aware_utc_and_zero_or_a_sentinel_means_never() -> None:
    assert cv.timestamp(1_700_000_000) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert cv.timestamp(1_700_000_000).tzinfo is UTC  # type: ignore[union-attr]
    for never in (0, -1, cv.NO_VAL, cv.INFINITE, cv.NO_VAL64, cv.INFINITE64):
        assert cv.timestamp(never) is None


def test_time_limits_are_minutes_with_unset_and_unlimited() -> None:
    assert cv.duration_minutes(90) == timedelta(hours=1, minutes=30)
    assert cv.duration_minutes(0) == timedelta(0)
    assert cv.duration_minutes(cv.NO_VAL) is None
    assert cv.duration_minutes(cv.NO_VAL16) is None
    assert cv.duration_minutes(cv.INFINITE) is cv.UNLIMITED
    assert cv.duration_minutes(cv.INFINITE16) is cv.UNLIMITED


def test_tres_strings_become_integers_with_memory_in_mib() -> None:
    tres = cv.tres("cpu=4,mem=8G,node=1,gres/gpu=2,billing=4")
    assert tres == {"cpu": 4, "mem": 8192, "node": 1, "gres/gpu": 2, "billing": 4}
    assert isinstance(tres, FrozenMap)
    assert cv.tres("mem=512K") == {"mem": 0}
    assert cv.tres("mem=1.5T") == {"mem": 1572864}
    assert cv.tres("mem=2048M,energy=1.5") == {"mem": 2048, "energy": 1}


def test_empty_and_malformed_tres_items_are_left_out() -> None:
    assert cv.tres(None) == {}
    assert cv.tres("") == {}
    assert cv.tres("cpu=,node,cpu=2") == {"cpu": 2}


def test_bit_ranges_are_runs_of_set_bits_lowest_first() -> None:
    assert list(cv.bit_ranges(0)) == []
    assert list(cv.bit_ranges(0b1)) == [(0, 0)]
    assert list(cv.bit_ranges(0b1110_0110)) == [(1, 2), (5, 7)]
    assert list(cv.bit_ranges(1 << 200 | 1 << 3)) == [(3, 3), (200, 200)]


def test_a_uid_is_a_login_name_or_its_number_and_unset_is_none() -> None:
    assert cv.user_name(0) == "root"
    assert cv.user_name(cv.NO_VAL) is None
    assert cv.user_name(4_000_000_123) == "4000000123"


def test_unlimited_is_one_true_value_that_survives_pickling() -> None:
    assert cv.Unlimited() is cv.UNLIMITED
    assert pickle.loads(pickle.dumps(cv.UNLIMITED)) is cv.UNLIMITED
    assert bool(cv.UNLIMITED)
    assert repr(cv.UNLIMITED) == "UNLIMITED"


def test_the_sentinels_are_slurms_all_ones_and_all_ones_but_one() -> None:
    assert (cv.INFINITE16, cv.NO_VAL16) == (2**16 - 1, 2**16 - 2)
    assert (cv.INFINITE, cv.NO_VAL) == (2**32 - 1, 2**32 - 2)
    assert (cv.INFINITE64, cv.NO_VAL64) == (2**64 - 1, 2**64 - 2)


def test_an_unknown_name_is_an_attribute_error_not_a_load_of_the_bindings() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        cv.nonexistent  # noqa: B018

"""The checks of what callers pass to the library (``_validate.py``): text fit for C, and
filters of names, clusters, ids, users and enum members."""

from __future__ import annotations

import pytest

from slurmlib import _validate
from slurmlib.states import JobState


def test_text_for_c_is_a_string_without_nul_that_encodes() -> None:
    assert _validate.check_text("name", "job-é") == "job-é"
    assert _validate.check_text("comment", "", empty=True) == ""
    with pytest.raises(TypeError, match=r"^name must be a string, not bytes"):
        _validate.check_text("name", b"job")
    with pytest.raises(ValueError, match=r"^name must not contain NUL bytes"):
        _validate.check_text("name", "a\0b")
    with pytest.raises(ValueError, match=r"^name must not be empty"):
        _validate.check_text("name", "")
    with pytest.raises(ValueError, match="lone surrogate"):
        _validate.check_text("name", "a\udcff")
    # A path may hold the surrogates that stand for undecodable bytes.
    assert _validate.check_text("path", "/tmp/\udcff", os_text=True) == "/tmp/\udcff"


def test_a_filter_is_one_value_or_many_and_none_means_not_given() -> None:
    assert _validate.name_filter("accounts", "physics") == ("physics",)
    assert _validate.name_filter("accounts", ["a", "b"]) == ("a", "b")
    assert _validate.name_filter("accounts", None) is None
    with pytest.raises(TypeError):
        _validate.name_filter("accounts", b"physics")
    with pytest.raises(TypeError):
        _validate.name_filter("accounts", {"physics": 1})


def test_all_among_cluster_names_means_every_cluster() -> None:
    assert _validate.cluster_filter("clusters", ["one", "ALL"]) == _validate.ALL_CLUSTERS
    assert _validate.cluster_filter("clusters", "one,two") == ("one,two",)


def test_ids_are_positive_32_bit_ints_and_users_names_or_uids() -> None:
    assert _validate.id_filter("job_ids", [1, 2**32 - 1]) == (1, 2**32 - 1)
    for wrong, error in ((0, ValueError), (2**32, ValueError), (True, TypeError), (1.0, TypeError)):
        with pytest.raises(error, match=r"^job_ids: "):
            _validate.id_filter("job_ids", wrong)
    assert _validate.user_filter("users", ["alice", 0]) == ("alice", 0)
    with pytest.raises(ValueError, match="not a uid"):
        _validate.user_filter("users", -1)


def test_enum_members_are_given_as_members_or_names_in_any_case() -> None:
    assert _validate.enum_filter("states", ["running", JobState.PENDING], JobState, "state") == (
        JobState.RUNNING,
        JobState.PENDING,
    )
    with pytest.raises(ValueError, match=r"unknown state 'sleeping' \(known: PENDING, RUNNING"):
        _validate.enum_filter("states", "sleeping", JobState, "state")

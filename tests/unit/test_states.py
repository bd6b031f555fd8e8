"""The state enums: base values, names in text, and which states mean finished."""

from __future__ import annotations

import pickle

import pytest

from slurmlib import states
from slurmlib.states import JobState, NodeState


def test_base_states_take_slurms_values_from_the_low_bits() -> None:
    # ALLOCATED (3) and FAILED (5) with flag bits above the base.
    assert NodeState(0x203 & states.NODE_STATE_BASE) is NodeState.ALLOCATED
    assert JobState(0x8005 & states.JOB_STATE_BASE) is JobState.FAILED
    assert [s.value for s in NodeState] == list(range(7))
    assert [s.value for s in JobState] == list(range(12))
    assert JobState.OUT_OF_MEMORY == 11


def test_a_state_prints_as_its_name_and_formats_numbers_on_request() -> None:
    assert str(NodeState.DOWN) == "DOWN"
    assert f"{JobState.NODE_FAIL}" == "NODE_FAIL"
    assert f"{JobState.TIMEOUT:>9}" == "  TIMEOUT"
    assert f"{NodeState.MIXED:d}" == "5"
    assert f"{JobState.DEADLINE:#x}" == "0xa"


@pytest.mark.parametrize("state", list(JobState), ids=str)
def test_only_pending_running_and_suspended_jobs_are_not_finished(state: JobState) -> None:
    assert state.finished is (state not in (JobState.PENDING, JobState.RUNNING, JobState.SUSPENDED))


def test_states_pickle_as_themselves() -> None:
    assert pickle.loads(pickle.dumps(NodeState.FUTURE)) is NodeState.FUTURE


def test_flag_names_are_known_without_the_bindings_their_bits_are_not() -> None:
    assert "DRAIN" in states.NODE_FLAG_NAMES and "REQUEUE" in states.JOB_FLAG_NAMES
    assert states.RESERVATION_FLAG_SUFFIXES["IGNORE_JOBS"] == "IGN_JOBS"
    assert states.RESERVATION_FLAG_ALIASES["STATIC_ALLOC"] in states.RESERVATION_FLAG_SUFFIXES
    # The bits are found on first use, from the compiled module: not loaded yet.
    assert "NODE_FLAGS" not in vars(states)

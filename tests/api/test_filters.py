"""The one rule of every read filter, and the text checks of JobSpec (pure logic, no cluster).

The same functions check the filters of the controller's reads (``Cluster.jobs``) and of
accounting's (``slurmlib.db``); the tests that they are the ones used live in
tests/api/test_controller_read.py and tests/db/test_read.py.
"""

from __future__ import annotations

import enum

import pytest

from slurmlib import JobSpec
from slurmlib._validate import (
    check_text,
    enum_filter,
    filter_values,
    id_filter,
    name_filter,
    user_filter,
)


class Colour(enum.Enum):
    RED = 1
    DARK_BLUE = 2


def test_a_bare_string_is_one_value_not_its_letters() -> None:
    assert name_filter("accounts", "physics") == ("physics",)
    assert enum_filter("states", "dark_blue", Colour, "colour") == (Colour.DARK_BLUE,)
    assert user_filter("users", "alice") == ("alice",)
    assert filter_values("nodes", "node[1-2]") == ("node[1-2]",)


def test_one_value_or_several_and_none_is_no_filter() -> None:
    assert id_filter("job_ids", 7) == (7,)
    assert id_filter("job_ids", (n for n in (7, 8))) == (7, 8)
    assert enum_filter("states", Colour.RED, Colour, "colour") == (Colour.RED,)
    assert user_filter("users", ["alice", 0, 1001]) == ("alice", 0, 1001)
    for check in (name_filter, id_filter, user_filter):
        assert check("f", None) is None
        assert check("f", []) == ()
    assert enum_filter("states", None, Colour, "colour") is None


@pytest.mark.parametrize(
    ("given", "error", "named"),
    [
        ([5], TypeError, r"states: a colour is a Colour or its name \(RED, DARK_BLUE\).*5"),
        (["nosuch"], ValueError, r"unknown colour 'nosuch' \(known: RED, DARK_BLUE\)"),
        ("pink", ValueError, r"unknown colour 'pink'"),
        ([None], TypeError, "None"),
        (b"RED", TypeError, "b'RED'"),
        ({"RED": 1}, TypeError, "RED"),
    ],
)
def test_a_bad_enum_value_names_itself_and_the_valid_names(
    given: object, error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=named):
        enum_filter("states", given, Colour, "colour")


@pytest.mark.parametrize(
    ("given", "error", "named"),
    [
        ([1.9], TypeError, r"job_ids: a job id is an int, not float: 1\.9"),
        ([True], TypeError, "not bool: True"),
        (["12"], TypeError, "not str: '12'"),
        ([0], ValueError, "job_ids: not a job id"),
        ([-3], ValueError, "-3"),
        ([2**32], ValueError, str(2**32)),
    ],
)
def test_job_ids_are_whole_positive_32_bit_ints(
    given: object, error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=named):
        id_filter("job_ids", given)


@pytest.mark.parametrize(
    ("given", "error", "named"),
    [
        ([False], TypeError, "not bool: False"),
        ([1.0], TypeError, "not float"),
        ([-1], ValueError, "not a uid"),
        ([""], ValueError, "users must not be empty"),
        (["al\0ice"], ValueError, "NUL"),
    ],
)
def test_users_are_names_or_uids(given: object, error: type[Exception], named: str) -> None:
    with pytest.raises(error, match=named):
        user_filter("users", given)


def test_lone_surrogates_are_refused_naming_the_field() -> None:
    for surrogate in ("\udcff", "\ud800", "a\udc80b"):
        with pytest.raises(ValueError, match="accounts must be text that encodes to UTF-8"):
            name_filter("accounts", [surrogate])
        with pytest.raises(ValueError, match="users"):
            user_filter("users", surrogate)
        with pytest.raises(ValueError, match="states"):
            enum_filter("states", surrogate, Colour, "colour")
    # Text that is not ASCII is text all the same.
    assert name_filter("accounts", ["ノード", "é"]) == ("ノード", "é")


def test_os_text_allows_the_surrogates_that_stand_for_undecodable_bytes() -> None:
    # os.fsdecode(b"\xff") is "\udcff", and os.fsencode gives the byte back.
    assert check_text("work_dir", "/tmp/\udcff", os_text=True) == "/tmp/\udcff"
    with pytest.raises(ValueError, match="work_dir must be text that encodes to bytes"):
        check_text("work_dir", "/tmp/\ud800", os_text=True)
    with pytest.raises(ValueError, match="name"):
        check_text("name", "/tmp/\udcff")


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"name": "\udcff"}, "name"),
        ({"script": "#!/bin/sh\necho \udcff\n"}, "script"),
        ({"arguments": ["ok", "\ud800"]}, "arguments"),
        ({"partition": ["debug", "\udcff"]}, "partition"),
        ({"comment": "x\udcffy"}, "comment"),
        ({"output": "/tmp/\udcff"}, "output"),
        ({"environment": {"A": "\ud800"}}, "environment"),
        ({"work_dir": "/tmp/\ud800"}, "work_dir"),
    ],
)
def test_job_spec_refuses_lone_surrogates_naming_the_field(
    fields: dict[str, object], named: str
) -> None:
    values: dict[str, object] = {"script": "#!/bin/sh\ntrue\n", **fields}
    with pytest.raises(ValueError, match=rf"{named}.* lone surrogate"):
        JobSpec(**values)  # type: ignore[arg-type]


def test_job_spec_keeps_undecodable_bytes_of_paths_and_the_environment() -> None:
    spec = JobSpec(script="#!/bin/sh\ntrue\n", work_dir="/tmp/\udcff", environment={"A": "\udcff"})
    assert spec.work_dir == "/tmp/\udcff" and spec.environment == {"A": "\udcff"}

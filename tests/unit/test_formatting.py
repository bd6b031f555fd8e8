"""What the commands print: host lists folded back into ranges, ages, aligned tables, JSON."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest

from slurmlib.cli import words
from slurmlib.cli.output import Output


@pytest.mark.parametrize(
    ("names", "folded"),
    [
        (["node1", "node2", "node3"], "node[1-3]"),
        (["node3", "node1", "node2", "gpu01"], "gpu01,node[1-3]"),
        (["node1", "node3", "node4", "node9"], "node[1,3-4,9]"),
        (["big0001", "big0002", "big1000"], "big[0001-0002,1000]"),
        (["login", "node7"], "login,node7"),
        (["n1", "n1", "n2"], "n[1-2]"),
        ([], ""),
    ],
)
def test_host_names_fold_into_slurms_ranges(names: list[str], folded: str) -> None:
    assert words.compress_hostlist(names) == folded


@pytest.mark.parametrize(
    ("delta", "said"),
    [
        (timedelta(days=3, hours=4, minutes=5), "3d 4h"),
        (timedelta(hours=2, minutes=5, seconds=9), "2h 5m"),
        (timedelta(minutes=1, seconds=2), "1m 2s"),
        (timedelta(seconds=40.9), "40s"),
        (timedelta(seconds=-5), "0s"),
        (None, "-"),
    ],
)
def test_an_age_is_said_in_its_two_largest_units(delta: timedelta | None, said: str) -> None:
    assert words.age(delta) == said


def test_since_and_iso_keep_none_as_none() -> None:
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    assert words.since(now - timedelta(minutes=3), now) == timedelta(minutes=3)
    assert words.since(None, now) is None
    assert words.iso(now) == "2026-11-20T12:00:00+00:00"
    assert words.iso(None) is None
    assert words.local_time(None) == "-"


def test_a_plain_table_aligns_left_and_right_columns_two_spaces_apart() -> None:
    lines = words.plain_table(
        ["NODE", "STATE", "CPUS"],
        [["node1", ("idle", "green"), "4"], ["gpu-node10", "mixed", "128"]],
        left=(0, 1),
    )
    assert lines == [
        "NODE        STATE  CPUS",
        "node1       idle      4",
        "gpu-node10  mixed   128",
    ]
    assert words.plain_table(["A", "B"], [["x", "1"]], show_header=False) == ["x  1"]


def test_a_memo_computes_each_key_once() -> None:
    calls: list[int] = []

    def square(n: int) -> int:
        calls.append(n)
        return n * n

    memo = words.Memo(square)
    assert [memo[3], memo[3], memo[4]] == [9, 9, 16]
    assert calls == [3, 4]


def test_output_writes_json_tables_and_errors_to_its_streams() -> None:
    stream, errors = io.StringIO(), io.StringIO()
    out = Output(stream, errors)
    out.json({"b": 1, "a": [1, 2]})
    out.table(["JOB", "CPUS"], [["7", "4"], ["1234", "16"]])
    out.error("no such job")
    json_line, *table = stream.getvalue().splitlines()
    # Not a terminal: compact JSON on one line, then a plain table.
    assert json_line == '{"b":1,"a":[1,2]}'
    assert table == ["JOB   CPUS", "7        4", "1234    16"]
    assert errors.getvalue() == "slurmlib: no such job\n"

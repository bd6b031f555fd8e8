"""Accounting records in bulk: a read wrapped in a Snapshot gives to_dicts(), to_json() and
to_arrow() that agree with each record's own to_dict(), for every list slurmdbd answers
with generated C (jobs with their steps, associations, QoS, users, accounts)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from slurmlib import Snapshot, db

READS = {
    "jobs": (lambda c: c.jobs(), "job_id"),
    "associations": (lambda c: c.associations(), "id"),
    "qos": (lambda c: c.qos(), "name"),
    "users": (lambda c: c.users(with_assocs=True, with_coords=True), "name"),
    "accounts": (lambda c: c.accounts(with_assocs=True, with_coords=True), "name"),
}


@pytest.fixture(scope="module", params=sorted(READS))
def records(request: pytest.FixtureRequest, conn: db.Database) -> Snapshot[Any]:
    read, key = READS[request.param]
    found = read(conn)
    assert found, f"the seeded database has {request.param}"
    return Snapshot(found, None, key)


def test_to_dicts_and_to_json_are_each_records_to_dict(records: Snapshot[Any]) -> None:
    expected = [r.to_dict() for r in records]
    assert records.to_dicts() == expected
    assert json.loads(records.to_json()) == expected


def _row(row: dict[str, Any], want: dict[str, Any], unlimited: dict[str, int]) -> dict[str, Any]:
    """An Arrow row in to_dict()'s terms."""
    out = {}
    for name, value in row.items():
        if name in unlimited and value is not None:
            raw = value // timedelta(seconds=1) if isinstance(value, timedelta) else value
            value = "UNLIMITED" if raw == unlimited[name] else value
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, timedelta):
            value = value.total_seconds()
            value = int(value) if value == int(value) else value
        elif isinstance(value, str) and isinstance(want[name], list | dict):
            value = json.loads(value)  # nested records (a job's steps) are JSON text
        elif isinstance(value, list) and value and isinstance(value[0], tuple):
            value = dict(value)  # a map's (key, value) pairs
        elif value == [] and want[name] == {}:
            value = {}  # an empty map and an empty list are one thing in Arrow's rows
        out[name] = value
    return out


def test_arrow_rows_are_the_records_dicts(records: Snapshot[Any]) -> None:
    pytest.importorskip("pyarrow")
    table = records.to_arrow()
    assert table.num_rows == len(records)
    unlimited = {
        f.name: int(f.metadata[b"slurmlib.unlimited"])
        for f in table.schema
        if f.metadata and b"slurmlib.unlimited" in f.metadata
    }
    for row, want in zip(table.to_pylist(), records.to_dicts(), strict=True):
        assert _row(row, want, unlimited) == want

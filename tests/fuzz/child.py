"""One batch of random calls against the live cluster, run in its own process.

``python -m tests.fuzz.child TARGET EXAMPLES`` runs one hypothesis property over the
public API (or the CLI) and exits 0 when every call either worked or raised a documented
exception: ``ValueError``, ``TypeError`` or a ``SlurmError``. The parent
(``test_fuzz.py``) turns a non-zero exit, a death by signal or a hang into a failure.

Writes are made harmless: node writes never name a node of the cluster, reservations and
jobs that get created are removed at once, accounting writes are rolled back.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import slurmlib
from slurmlib import cli, db
from slurmlib.errors import SlurmError

ALLOWED = (ValueError, TypeError, SlurmError)

TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "\x00",
            "a\x00b",
            "x" * 10_000,
            "\udcff",
            "ノード",
            "🐍",
            "node[",
            "n[1-3]",
            "4_[3-8%2]",
            "1-8%2",
            "*",
            "ALL",
            "-1",
            "%s%n",
            "a,b,,c",
        ]
    ),
)
INT = st.one_of(
    st.integers(min_value=-5, max_value=100_000),
    st.sampled_from([-(2**63), -1, 0, 2**31, 2**32 - 2, 2**32, 2**63, 2**64, 2**70]),
)
HOSTILE = st.one_of(
    TEXT,
    INT,
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.booleans(),
    st.binary(max_size=8),
    st.lists(st.one_of(TEXT, INT), max_size=3),
    st.just(timedelta(days=-1)),
    st.just(datetime(1, 1, 1, tzinfo=UTC)),
)
# Node names that can never be one of the cluster's (node1.., gpu01.., big0001..).
OTHER_NODES = TEXT.filter(lambda t: not any(w in t for w in ("node", "gpu", "big", "ALL")))


def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except ALLOWED:
        return None


cluster = slurmlib.Cluster()
SETTINGS = settings(
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


@given(
    users=HOSTILE,
    accounts=HOSTILE,
    partitions=HOSTILE,
    states=HOSTILE,
    job_ids=HOSTILE,
    one=HOSTILE,
)
def reads(users: Any, accounts: Any, partitions: Any, states: Any, job_ids: Any, one: Any) -> None:
    _call(
        cluster.jobs,
        users=users,
        accounts=accounts,
        partitions=partitions,
        states=states,
        job_ids=job_ids,
    )
    for read in (cluster.node, cluster.job, cluster.steps, cluster.queue_position):
        _call(read, one)


JOBSPEC_FIELDS = [
    f for f in slurmlib.JobSpec.__dataclass_fields__ if f not in ("script", "script_file")
]


@given(fields=st.dictionaries(st.sampled_from(JOBSPEC_FIELDS), HOSTILE, max_size=6))
def jobspecs(fields: dict[str, Any]) -> None:
    _call(slurmlib.JobSpec, script="#!/bin/sh\ntrue\n", **fields)


@given(
    fields=st.dictionaries(
        st.sampled_from(["name", "partition", "ntasks", "time_limit", "comment", "array", "nice"]),
        st.one_of(HOSTILE, st.sampled_from(["debug", "long", 1, 2, "1-3", 5])),
        max_size=4,
    )
)
def submits(fields: dict[str, Any]) -> None:
    try:
        spec = slurmlib.JobSpec(
            script="#!/bin/sh\ntrue\n", hold=True, output="/dev/null", work_dir="/tmp", **fields
        )
    except (ValueError, TypeError):
        return
    submitted = _call(cluster.submit, spec)
    if submitted is not None:
        cluster.cancel(submitted.job_id)


@given(nodes=OTHER_NODES, reason=HOSTILE, state=HOSTILE, weight=HOSTILE)
def node_writes(nodes: str, reason: Any, state: Any, weight: Any) -> None:
    _call(cluster.drain, nodes, reason)
    _call(cluster.resume_nodes, nodes)
    _call(cluster.update_node, nodes, state=state, reason=reason, weight=weight)


@given(
    nodes=st.one_of(st.sampled_from(["big0001", "big[0001-0002]", "nosuch", ""]), OTHER_NODES),
    users=st.one_of(st.just(["alice"]), HOSTILE),
    start=st.one_of(
        st.just(datetime.now(UTC) + timedelta(days=30)), st.datetimes(timezones=st.just(UTC))
    ),
    duration=st.one_of(st.just(timedelta(hours=1)), HOSTILE),
    flags=st.one_of(st.just(["MAINT"]), st.lists(TEXT, max_size=2), HOSTILE),
    name=st.one_of(st.none(), TEXT),
)
def reservations(nodes: Any, users: Any, start: Any, duration: Any, flags: Any, name: Any) -> None:
    created = _call(
        cluster.create_reservation,
        nodes=nodes,
        users=users,
        start=start,
        duration=duration,
        flags=flags,
        name=name,
    )
    if isinstance(created, str):
        try:
            _call(cluster.update_reservation, created, duration=duration, users=users)
        finally:
            cluster.delete_reservation(created)


conn = db.connect()
ACCOUNTING_READS = ["jobs", "qos", "accounts", "users", "associations", "events", "reservations"]
READ_FILTERS = {
    "jobs": ["users", "accounts", "partitions", "states", "job_ids", "start", "end"],
    "qos": ["names"],
    "accounts": ["names"],
    "users": ["names"],
    "associations": ["users", "accounts", "partitions"],
    "events": ["nodes", "start", "end"],
    "reservations": ["start", "end"],
}


@given(read=st.sampled_from(ACCOUNTING_READS), data=st.data())
def accounting_reads(read: str, data: st.DataObject) -> None:
    filters = data.draw(st.dictionaries(st.sampled_from(READ_FILTERS[read]), HOSTILE, max_size=3))
    _call(getattr(conn, read), **filters)


@given(name=TEXT, priority=HOSTILE, max_jobs=HOSTILE, user=TEXT)
def accounting_writes(name: str, priority: Any, max_jobs: Any, user: str) -> None:
    assume(name not in ("normal", "high", "scavenger", "devel") and user not in ("alice", "bob"))
    try:
        _call(conn.add_qos, name, priority=priority, max_jobs_per_user=max_jobs)
        _call(conn.modify_qos, name, priority=priority)
        _call(conn.remove_user, user)
        _call(conn.add_account, name, description=user)
    finally:
        conn.rollback()


def _options(command: str) -> list[str]:
    parser = cli.build_parser(command)
    sub = next(a for a in parser._actions if a.choices)  # the sub-commands
    assert isinstance(sub.choices, dict)
    return [o for a in sub.choices[command]._actions for o in a.option_strings]


CLI_COMMANDS = [c for c in cli.COMMANDS if c != "exporter"] + ["version"]
CLI_OPTIONS = {c: _options(c) for c in CLI_COMMANDS}
CLI_VALUES = st.one_of(
    TEXT, INT.map(str), st.sampled_from(["inf", "nan", "1e308", "99999999d", "-0", "4_99", "1h"])
)


@given(command=st.sampled_from(CLI_COMMANDS), data=st.data())
def cli_argv(command: str, data: st.DataObject) -> None:
    words = data.draw(
        st.lists(st.one_of(st.sampled_from(CLI_OPTIONS[command]), CLI_VALUES), max_size=5)
    )
    argv = [command, *words]
    if command == "top":
        argv.append("--once")  # the live view would never end
    assume(all("\x00" not in w and "\udcff" not in w for w in argv))  # argv cannot hold them
    said: list[str] = []
    with _captured(said):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse's own refusal (exit 2) or --help (0)
            code = exc.code if isinstance(exc.code, int) else 2
    assert code in (0, 1, 2, 3), (argv, code)
    assert "Traceback" not in said[0], (argv, said[0])
    if code == 2:
        assert said[0].strip(), argv  # a refusal says why


@contextlib.contextmanager
def _captured(said: list[str]) -> Iterator[None]:
    """stdout to /dev/null and stderr into ``said``, at the descriptors: the commands write
    to the streams they were given at import, and libslurm to its own."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    with tempfile.TemporaryFile("w+") as err:
        try:
            os.dup2(null, 1)
            os.dup2(err.fileno(), 2)
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in (*saved, null):
                os.close(fd)
            err.seek(0)
            said.append(err.read())


TARGETS: dict[str, Callable[[], None]] = {
    "reads": reads,
    "jobspecs": jobspecs,
    "submits": submits,
    "node_writes": node_writes,
    "reservations": reservations,
    "accounting_reads": accounting_reads,
    "accounting_writes": accounting_writes,
    "cli": cli_argv,
}


def main(argv: list[str]) -> int:
    target, examples = argv[0], int(argv[1])
    test = TARGETS[target]
    settings(SETTINGS, max_examples=examples)(test)()
    print(f"{target}: {examples} examples, no undocumented exception")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""sacct's count of the jobs that ended in a window: what the finished-job counters must say."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections import Counter
from datetime import datetime

#: sacct's short names of every state a job ends in.
ENDED = "CD,CA,F,TO,NF,PR,BF,DL,OOM"


def _local(seconds: int) -> str:
    return datetime.fromtimestamp(seconds).strftime("%Y-%m-%dT%H:%M:%S")


def sacct_finished(
    since: int, until: int, env: dict[str, str] | None = None, user_labels: bool = True
) -> Counter[tuple[str, ...]]:
    """``sacct -X -s ENDED -S since -E until``, counted by state, partition, account (user)."""
    out = subprocess.run(
        [
            "sacct", "-X", "-a", "-n", "-P", "-s", ENDED,
            "-S", _local(since), "-E", _local(until),
            "-o", "State,Partition,Account,User",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    ).stdout  # fmt: skip
    counts: Counter[tuple[str, ...]] = Counter()
    for line in out.splitlines():
        state, partition, account, user = line.split("|")
        key: tuple[str, ...] = (state.split()[0].lower(), partition, account)
        counts[key + ((user,) if user_labels else ())] += 1
    return counts


def submit(*argv: str, env: dict[str, str] | None = None) -> int:
    """``sbatch --parsable`` with output thrown away; the job's id."""
    out = subprocess.run(
        ["sbatch", "--parsable", "-o", "/dev/null", *argv],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    ).stdout
    return int(re.match(r"\d+", out.strip())[0])  # type: ignore[index]


def wait_ended(job_ids: list[int], env: dict[str, str] | None = None, timeout: float = 120) -> int:
    """Wait until accounting has an end time for every job; the latest (Unix seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        out = subprocess.run(
            ["sacct", "-X", "-n", "-P", "-o", "JobIDRaw,End", "-j", ",".join(map(str, job_ids))],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **(env or {})},
        ).stdout
        ends = {}
        for line in out.splitlines():
            job, end = line.split("|")
            if end not in ("Unknown", "None", ""):
                ends[int(job)] = int(datetime.fromisoformat(end).timestamp())
        if set(ends) >= set(job_ids):
            return max(ends.values())
        assert time.monotonic() < deadline, f"jobs {job_ids} did not end in {timeout} s: {out}"
        time.sleep(0.5)

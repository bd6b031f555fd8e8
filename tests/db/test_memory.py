"""10,000 cond structs and 10,000 live slurmdbd queries leave RSS flat.

Two loops in one child process: 10,000 cond structs built and released without a call
(the memory rule's own code: xstrdup'd lists, nested conds, job id step lists), then
``SLURMLIB_DB_QUERIES`` live queries through slurmdbd (default 10,000). A live query costs
~45 ms on Slurm 22.05 — slurmdbd's persistent-connection protocol writes a length and a
body separately, and its reply stalls on Nagle's algorithm against our delayed ACK (the
request side does not: slurmlib sets TCP_NODELAY) — so the loop takes ~8 minutes there and
seconds on later releases, which send a message in one write.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

LOOP = """
    import gc
    from datetime import UTC, datetime
    from slurmlib import db

    def rss_kib():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    start_time = datetime(2000, 1, 1, tzinfo=UTC)
    conn = db.connect()
    queries = [
        lambda: conn.qos(names=["normal", "high"]),
        lambda: conn.associations(users=["alice"], accounts=["physics", "chemistry"]),
        lambda: conn.users(names=["bob"], with_coords=True),
        lambda: conn.accounts(names=["science"], with_assocs=True),
        lambda: conn.jobs(job_ids=[JOB], start=start_time),
        lambda: conn.events(nodes="node4", start=start_time),
    ]

    from slurmlib.db._structs import Built
    from slurmlib.db._filters import set_step_list

    def build_and_release():
        with Built("slurmdb_job_cond_t") as cond:
            cond.strings("acct_list", ["physics", "chemistry", "science"])
            cond.strings("userid_list", ["1001", "1002"])
            cond.text("used_nodes", "node[1-4]")
            keep = set_step_list(cond, [1, 2, 3])
        with Built("slurmdb_user_cond_t") as cond:
            inner = cond.nested("assoc_cond", "slurmdb_assoc_cond_t")
            inner.strings("user_list", ["alice", "bob"])
            inner.strings("cluster_list", ["slurmlib"])
        del keep

    def cycle(n):
        for i in range(n):
            queries[i % len(queries)]()

    for _ in range(500):
        build_and_release()
    cycle(60)  # warm up allocator pools and caches
    gc.collect()
    before = rss_kib()
    for _ in range(10_000):
        build_and_release()
    cycle(QUERIES)
    gc.collect()
    print(before, rss_kib())
    conn.close()
"""


def test_10000_conds_and_live_queries_leave_rss_flat(
    slurm_conf: Path, seed: dict[str, object]
) -> None:
    job = seed["jobs"]["steps"]  # type: ignore[index]
    queries = int(os.environ.get("SLURMLIB_DB_QUERIES", "10000"))
    script = textwrap.dedent(LOOP).replace("JOB", str(job)).replace("QUERIES", str(queries))
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=max(900, queries * 0.15),
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert after - before < 5 * 1024, f"RSS grew from {before} KiB to {after} KiB"

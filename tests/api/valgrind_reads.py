"""Drive the controller reads, for a memcheck run (``test_valgrind_reads.py``).

Every whole-message converter and the C record assembler, on the live cluster's messages,
twice (the second load of each kind is converted again after ``forget()``), then the
assembler's error paths, where a half-built record must be released cleanly. Prints
"done" at the end.
"""

from __future__ import annotations

import array
import contextlib

from slurmlib import Cluster, _assemble, _bulk
from slurmlib.errors import InvalidJobId
from slurmlib.records import Partition


def reads(cluster: Cluster) -> None:
    jobs = cluster.jobs()
    cluster.nodes()
    cluster.partitions()
    for job in list(jobs)[:5]:
        # Under memcheck a finished job can pass MinJobAge between the load and this read;
        # the refusal is a path of the one-job read too.
        with contextlib.suppress(InvalidJobId):
            cluster.job(job.job_id)
    pending = [j for j in jobs if j.state.name == "PENDING"]
    if pending:
        cluster.queue_position(pending[0].job_id)
        Cluster().queue_position(pending[0].job_id)  # ranked without records
    for job in jobs:
        job.to_dict()


def errors() -> None:
    def refuse(key: object) -> object:
        raise LookupError(key)

    plan = (
        ("name", int(_bulk.Op.STR), 0, -1, (), 0, 0, 0, (1 << 64) - 1, 0, -1, 0, 0, -1, -1, -1),
        ("state", int(_bulk.Op.CACHE_INT), 0, -1, (), 0, 0, 0, 0, 0, -1, 0, 0, 0, -1, -1),
    )
    ints = array.array("Q", [1, 2, 3])
    for _ in range(3):
        with contextlib.suppress(LookupError):
            _assemble.build(
                Partition, plan, ints, 1, ["a", "b", "c"], 1, -1, (_bulk.Cache(refuse),)
            )
        with contextlib.suppress(ValueError):
            _assemble.build(Partition, plan, ints, 2, ["a", "b", "c"], 1, -1, ())


def main() -> None:
    cluster = Cluster()
    reads(cluster)
    cluster.forget()
    reads(cluster)
    errors()
    print("done")


if __name__ == "__main__":
    main()

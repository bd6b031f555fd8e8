"""Drive every slurmdbd call slurmlib makes, for a memcheck run (``test_valgrind.py``).

Reads with each kind of cond (lists of names, nested assoc conds, job id step lists, text
fields), then writes that are rolled back: every struct slurmlib builds, hands to Slurm and
releases goes through memcheck at least twice. Run as root on the live cluster; prints
"done" at the end.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta

from slurmlib import UNLIMITED, db

LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def reads(conn: db.Database, job_id: int) -> None:
    conn.tres()
    conn.clusters()
    conn.qos()
    conn.qos(names=["normal", "high"])
    conn.accounts(names=["science", "physics"], with_assocs=True, with_coords=True)
    conn.users(names=["alice", "bob"], with_assocs=True, with_coords=True)
    conn.associations(users=["alice"], accounts=["physics"], partitions=["debug"])
    conn.jobs(start=LONG_AGO, end=datetime.now(UTC), users=["alice", 1002], states=["COMPLETED"])
    conn.jobs(job_ids=[job_id])
    conn.jobs(accounts=["physics"], with_steps=False)
    conn.events(nodes="node4,gpu01", start=LONG_AGO)
    conn.reservations(start=LONG_AGO, end=datetime.now(UTC) + timedelta(days=3))
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    conn.usage(start=end - timedelta(days=2), end=end, by="account")
    conn.usage(start=end - timedelta(days=2), end=end, by="user")
    conn.usage(start=end - timedelta(days=2), end=end, by="cluster")


def writes(conn: db.Database, prefix: str) -> None:
    qos, account, user = f"{prefix}_q", f"{prefix}_a", f"{prefix}_u"
    conn.add_qos(
        qos,
        priority=3,
        flags=["NoDecay"],
        preempt=["normal"],
        grp_tres={"cpu": 4},
        max_wall_per_job=timedelta(hours=1),
    )
    conn.modify_qos(qos, priority=4, grp_tres={"cpu": UNLIMITED})
    conn.add_account(account, description="memcheck", grp_jobs=3)
    conn.add_user(user, accounts=[account], max_jobs=2)
    conn.add_coordinator(account, user)
    conn.modify_association(account, user, max_jobs=UNLIMITED, qos=["normal"])
    conn.modify_account(account, description="memcheck 2")
    conn.modify_user(user, admin_level="Operator")
    conn.remove_coordinator(account, user)
    conn.remove_association(account, user)
    conn.remove_user(user)
    conn.remove_account(account)
    conn.remove_qos(qos)
    conn.rollback()


def main() -> None:
    job_id = int(sys.argv[1])
    prefix = f"t_vg_{os.getpid()}"
    for _ in range(2):
        with db.connect() as conn:
            reads(conn, job_id)
            writes(conn, prefix)
    try:
        with db.connect() as conn:
            conn.add_qos(f"{prefix}_r")
            raise KeyboardInterrupt  # leaves the block by an exception: rolled back
    except KeyboardInterrupt:
        pass
    print("done")


if __name__ == "__main__":
    main()

"""slurmdbd writes: round trips read back through slurmlib and sacctmgr, rollback, refusals.

Every object these tests create is named ``t_p1_<pid>_...`` and removed with ``sacctmgr -i``
at the end of the test whatever happened; seeded objects are never changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from slurmlib import UNLIMITED, db
from slurmlib.errors import AccessDenied, InvalidAccount, InvalidQos, InvalidUser

from ..slurmtools import run
from .sacct import sacctmgr, tres, wall

PREFIX = f"t_p1_{os.getpid()}"


class Cleanup:
    """Names to remove with sacctmgr when the test ends (in this order)."""

    def __init__(self) -> None:
        self.users: list[str] = []
        self.accounts: list[str] = []
        self.qos: list[str] = []

    def remove(self) -> None:
        for kind, names in (("user", self.users), ("account", self.accounts), ("qos", self.qos)):
            for name in names:
                run("sacctmgr", "-i", "delete", kind, "where", f"name={name}", check=False)


@pytest.fixture
def cleanup(slurm_conf: Path) -> Iterator[Cleanup]:
    names = Cleanup()
    try:
        yield names
    finally:
        names.remove()


def qos_row(name: str) -> dict[str, str] | None:
    rows = sacctmgr("qos", "name,priority,flags,preempt,grptres,maxwall,maxjobspu,maxtrespu", name)
    return rows[0] if rows else None


def test_qos_round_trip_through_slurmlib_and_sacctmgr(cleanup: Cleanup) -> None:
    name = f"{PREFIX}_qos"
    cleanup.qos.append(name)
    with db.connect() as conn:
        conn.add_qos(
            name,
            description="slurmlib round trip",
            priority=42,
            flags=["DenyOnLimit", "NoDecay"],
            preempt=["normal"],
            grp_tres={"cpu": 16, "gres/gpu": 2},
            max_tres_per_user={"cpu": 4},
            max_jobs_per_user=3,
            max_wall_per_job=timedelta(hours=6),
        )
        conn.commit()
        (mine,) = conn.qos(names=[name])
    row = qos_row(name)
    assert row is not None
    assert mine.priority == int(row["Priority"]) == 42
    assert mine.flags == set(row["Flags"].split(",")) == {"DenyOnLimit", "NoDecay"}
    assert mine.preempt == tuple(row["Preempt"].split(",")) == ("normal",)
    assert mine.grp_tres == tres(row["GrpTRES"]) == {"cpu": 16, "gres/gpu": 2}
    assert mine.max_tres_per_user == tres(row["MaxTRESPU"]) == {"cpu": 4}
    assert mine.max_jobs_per_user == int(row["MaxJobsPU"]) == 3
    assert mine.max_wall_per_job == wall(row["MaxWall"]) == timedelta(hours=6)
    assert mine.description == "slurmlib round trip"

    with db.connect() as conn:
        changed = conn.modify_qos(
            name,
            priority=7,
            grp_tres={"gres/gpu": UNLIMITED},
            max_jobs_per_user=UNLIMITED,
            flags=[],
        )
        conn.commit()
        (mine,) = conn.qos(names=[name])
    assert changed == (name,)
    row = qos_row(name)
    assert row is not None
    assert mine.priority == int(row["Priority"]) == 7
    assert mine.grp_tres == tres(row["GrpTRES"]) == {"cpu": 16}
    assert mine.max_jobs_per_user is UNLIMITED and row["MaxJobsPU"] == ""
    assert mine.flags == frozenset() and row["Flags"] == ""

    with db.connect() as conn:
        assert conn.remove_qos(name) == (name,)
        conn.commit()
        assert conn.qos(names=[name]) == ()
    assert qos_row(name) is None


def test_account_user_and_association_round_trip(cleanup: Cleanup) -> None:
    qos, account, user = f"{PREFIX}_q", f"{PREFIX}_acct", f"{PREFIX}_user"
    cleanup.users.append(user)
    cleanup.accounts.append(account)
    cleanup.qos.append(qos)
    with db.connect() as conn:
        conn.add_qos(qos, priority=5)
        # slurmdbd checks an association's QoS against the QoS it has committed.
        conn.commit()
        conn.add_account(account, description="test account", organization="tests", grp_jobs=20)
        conn.add_user(
            user, accounts=[account], qos=["normal", qos], default_qos=qos, max_jobs=4, shares=3
        )
        conn.add_coordinator(account, user)
        conn.commit()
        (assoc,) = conn.associations(users=[user])
        (acct,) = conn.accounts(names=[account], with_coords=True)
        (usr,) = conn.users(names=[user], with_coords=True)
    assert (assoc.account, assoc.user, assoc.max_jobs, assoc.shares) == (account, user, 4, 3)
    assert set(assoc.qos) == {"normal", qos} and assoc.default_qos == qos
    assert acct.description == "test account" and acct.coordinators == (user,)
    assert usr.default_account == account and usr.coordinated_accounts == (account,)
    (row,) = sacctmgr("assoc", "account,user,maxjobs,share,qos,defaultqos", f"users={user}")
    assert (row["Account"], row["MaxJobs"], row["Share"], row["Def QOS"]) == (
        account,
        "4",
        "3",
        qos,
    )
    assert set(row["QOS"].split(",")) == {"normal", qos}

    with db.connect() as conn:
        changed = conn.modify_association(account, user, max_jobs=UNLIMITED, grp_tres={"cpu": 2})
        own = conn.modify_association(account, grp_jobs=UNLIMITED)
        conn.modify_account(account, description="changed")
        conn.commit()
        (assoc,) = conn.associations(users=[user])
    assert len(changed) == 1 and account in changed[0] and user in changed[0]
    assert len(own) == 1 and account in own[0]
    assert assoc.max_jobs is UNLIMITED and assoc.grp_tres == {"cpu": 2}
    (row,) = sacctmgr("assoc", "account,user,maxjobs,grptres", f"users={user}")
    assert row["MaxJobs"] == "" and tres(row["GrpTRES"]) == {"cpu": 2}
    (acct_row,) = sacctmgr("account", "account,descr", account)
    assert acct_row["Descr"] == "changed"

    with db.connect() as conn:
        conn.remove_coordinator(account, user)
        conn.remove_user(user)
        conn.remove_account(account)
        conn.remove_qos(qos)
        conn.commit()
    assert sacctmgr("user", "user", user) == []
    assert sacctmgr("account", "account", account) == []


def test_exception_inside_the_block_rolls_everything_back(cleanup: Cleanup) -> None:
    name = f"{PREFIX}_rollback"
    account = f"{PREFIX}_rbacct"
    cleanup.accounts.append(account)
    cleanup.qos.append(name)
    with pytest.raises(RuntimeError, match="boom"), db.connect() as conn:
        conn.add_qos(name, priority=1)
        conn.add_account(account)
        assert [q.name for q in conn.qos(names=[name])] == [name]  # visible inside
        raise RuntimeError("boom")
    assert qos_row(name) is None
    assert sacctmgr("account", "account", account) == []
    with db.connect() as conn:
        assert conn.qos(names=[name]) == ()


def test_closing_without_commit_discards_the_writes(cleanup: Cleanup) -> None:
    name = f"{PREFIX}_uncommitted"
    cleanup.qos.append(name)
    conn = db.connect()
    conn.add_qos(name)
    conn.close()
    assert conn.closed
    assert qos_row(name) is None
    with pytest.raises(ValueError, match="closed"):
        conn.qos()


def test_a_long_lived_connection_reads_what_others_commit(cleanup: Cleanup) -> None:
    """Reads do not stay on the first read's database snapshot (see SNAPSHOT_SECONDS)."""
    name = f"{PREFIX}_later"
    cleanup.qos.append(name)
    with db.connect() as reader:
        assert reader.qos(names=[name]) == ()
        run("sacctmgr", "-i", "add", "qos", name)
        time.sleep(db._connection.SNAPSHOT_SECONDS + 0.2)
        assert [q.name for q in reader.qos(names=[name])] == [name]
        # Under its own pending writes it keeps one view: the snapshot is not ended.
        other = f"{PREFIX}_later2"
        cleanup.qos.append(other)
        reader.modify_qos(name, priority=7)
        run("sacctmgr", "-i", "add", "qos", other)
        time.sleep(db._connection.SNAPSHOT_SECONDS + 0.2)
        assert reader.qos(names=[other]) == ()
        assert [q.priority for q in reader.qos(names=[name])] == [7]
        reader.rollback()
        assert [(q.name, q.priority) for q in reader.qos(names=[name, other])] == [
            (name, 0),
            (other, 0),
        ]


def test_unknown_names_are_typed_errors_and_nothing_is_written(cleanup: Cleanup) -> None:
    user = f"{PREFIX}_ghost"
    cleanup.users.append(user)
    with db.connect() as conn:
        with pytest.raises(InvalidQos, match="t_p1_no_qos"):
            conn.modify_qos("t_p1_no_qos", priority=1)
        with pytest.raises(InvalidQos, match="t_p1_no_qos"):
            conn.remove_qos(["normal", "t_p1_no_qos"])
        with pytest.raises(InvalidAccount, match="t_p1_no_account"):
            conn.add_user(user, accounts=["physics", "t_p1_no_account"])
        with pytest.raises(InvalidUser, match="t_p1_nobody"):
            conn.modify_association("physics", "t_p1_nobody", max_jobs=1)
        with pytest.raises(ValueError, match="no QoS named 't_p1_no_qos'"):
            conn.add_user(user, accounts=["physics"], qos=["t_p1_no_qos"])
        conn.commit()
    assert sacctmgr("user", "user", user) == []
    assert {q for q in ("normal",)} <= {r["Name"] for r in sacctmgr("qos", "name")}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"priority": -1}, "priority"),
        ({"max_jobs_per_user": -5}, "max_jobs_per_user"),
        ({"grp_tres": {"cpu": -2}}, "grp_tres"),
        ({"grp_tres": {"bogus": 2}}, "unknown TRES 'bogus'"),
        ({"flags": ["Sparkly"]}, "unknown QoS flag"),
        ({"max_wall_per_job": timedelta(minutes=-1)}, "max_wall_per_job"),
        ({"description": "a\0b"}, "NUL"),
        ({"preempt_mode": "explode"}, "preempt mode"),
        ({"usage_factor": -1.0}, "usage_factor"),
        ({"grp_jobs": True}, "grp_jobs"),
        ({"wobble": 3}, "unknown setting 'wobble'"),
    ],
)
def test_bad_values_raise_before_any_write(settings: dict[str, object], message: str) -> None:
    name = f"{PREFIX}_bad"
    with db.connect() as conn:
        with pytest.raises((ValueError, TypeError), match=message):
            conn.add_qos(name, **settings)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="NUL"):
            conn.add_qos("t_p1\0x")
    assert qos_row(name) is None


ALICE_WRITES = """
    import os, pwd, sys
    from slurmlib import db, errors
    conn = db.connect()                       # everything imported and loaded as root...
    alice = pwd.getpwnam("alice")
    conn.close()
    os.setgroups([])
    os.setgid(alice.pw_gid)
    os.setuid(alice.pw_uid)                  # ...then the process is alice for good
    with db.connect() as conn:
        names = [q.name for q in conn.qos()]  # reading is allowed
        try:
            conn.add_qos(sys.argv[1], priority=1)
            conn.commit()
        except errors.SlurmError as exc:
            print(type(exc).__name__, isinstance(exc, PermissionError), exc.code_name, len(names))
        else:
            print("written")
"""


def test_a_non_admin_write_is_access_denied(cleanup: Cleanup) -> None:
    # The venv's interpreter lives under /root, which alice cannot read: the child starts
    # as root, loads slurmlib, and drops to alice before it talks to slurmdbd.
    name = f"{PREFIX}_alice"
    cleanup.qos.append(name)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(ALICE_WRITES), name],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    kind, is_permission, code_name, seen = done.stdout.split()
    assert kind == AccessDenied.__name__ and is_permission == "True", done.stdout
    assert code_name == "ESLURM_ACCESS_DENIED"
    assert int(seen) >= 1
    assert qos_row(name) is None

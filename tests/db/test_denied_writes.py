"""Writes of a non-admin (the seeded user alice): every one is refused with AccessDenied,
nothing changes, and the refusal does not stay behind on the connection — the next
rollback, commit or the end of the ``with`` block works.

The child process starts as root (the venv lives where alice cannot read), loads slurmlib,
and becomes alice for good before it talks to slurmdbd.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from .sacct import sacctmgr

NAME = f"t_p6_{os.getpid()}"

ALICE = """
    import json, os, pwd, sys
    from slurmlib import db, errors
    db.connect().close()                      # loaded as root...
    alice = pwd.getpwnam("alice")
    os.setgroups([])
    os.setgid(alice.pw_gid)
    os.setuid(alice.pw_uid)                  # ...then the process is alice for good
    results = {}

    def attempt(key, call):
        try:
            value = call()
        except errors.SlurmError as exc:
            results[key] = {"ok": False, "error": type(exc).__name__,
                            "permission": isinstance(exc, PermissionError)}
        else:
            results[key] = {"ok": True, "value": repr(value)}

    with db.connect() as conn:
        attempt("modify_qos", lambda: conn.modify_qos("normal", priority=5))
        attempt("rollback after modify_qos", conn.rollback)
        attempt("modify_association", lambda: conn.modify_association(
            "physics", "alice", max_jobs=1000))
        attempt("commit after modify_association", conn.commit)
        attempt("modify_account", lambda: conn.modify_account("physics", description="x"))
        attempt("commit after modify_account", conn.commit)
        attempt("modify_user", lambda: conn.modify_user("alice", admin_level="Administrator"))
        attempt("rollback after modify_user", conn.rollback)
        attempt("add_qos", lambda: conn.add_qos(sys.argv[1], priority=1))
        attempt("commit after add_qos", conn.commit)
        attempt("remove_qos", lambda: conn.remove_qos("normal"))
    # A refused write as the last thing in the block: the exit does not raise over it.
    try:
        with db.connect() as conn:
            conn.modify_association("physics", "alice", max_jobs=7)
    except errors.SlurmError as exc:
        results["with block"] = {"ok": False, "error": type(exc).__name__,
                                 "context": exc.context}
    print(json.dumps(results))
"""

WRITES = ("modify_qos", "modify_association", "modify_account", "modify_user", "add_qos")


@pytest.fixture(scope="module")
def alice_writes(slurm_conf: Path) -> dict[str, Any]:
    before = _state()
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(ALICE), NAME],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    results["state before"], results["state after"] = before, _state()
    return results


def _state() -> dict[str, Any]:
    return {
        "normal": sacctmgr("qos", "name,priority", "normal"),
        "alice": sacctmgr("assoc", "account,user,maxjobs", "where", "user=alice"),
        "physics": sacctmgr("account", "account,descr", "physics"),
        "new qos": sacctmgr("qos", "name", NAME),
    }


@pytest.mark.parametrize("write", [*WRITES, "remove_qos"])
def test_every_write_of_a_non_admin_is_access_denied(
    alice_writes: dict[str, Any], write: str
) -> None:
    outcome = alice_writes[write]
    assert outcome["ok"] is False and outcome["error"] == "AccessDenied", outcome
    assert outcome["permission"] is True


def test_a_modify_association_that_changes_nothing_for_alice_is_refused_too(
    alice_writes: dict[str, Any],
) -> None:
    # slurmdbd answers her "nothing changed", not a refusal: slurmlib says AccessDenied.
    assert alice_writes["modify_association"]["error"] == "AccessDenied"


def test_rollback_and_commit_after_a_refused_write_work(alice_writes: dict[str, Any]) -> None:
    for key in (
        "rollback after modify_qos",
        "commit after modify_association",
        "commit after modify_account",
        "rollback after modify_user",
        "commit after add_qos",
    ):
        assert alice_writes[key] == {"ok": True, "value": "None"}, (key, alice_writes[key])


def test_leaving_the_with_block_raises_only_the_refusal(alice_writes: dict[str, Any]) -> None:
    outcome = alice_writes["with block"]
    assert outcome["error"] == "AccessDenied" and "modifying association" in outcome["context"]


def test_nothing_changed(alice_writes: dict[str, Any]) -> None:
    assert alice_writes["state after"] == alice_writes["state before"]
    assert alice_writes["state after"]["new qos"] == []

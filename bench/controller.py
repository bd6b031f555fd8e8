"""slurmlib against the bare RPC and against Slurm's own tools, in one run on one state.

    python -m bench.controller [--runs N] [--quick] [--json FILE]

On the cluster of ``SLURM_CONF``, each figure a child process (see ``bench.measure``):

- the floor: the bare RPC (load + free, no conversion) of jobs, nodes and partitions, and
  the same load answered "no change";
- slurmlib: typed snapshots (jobs, nodes, partitions), the unchanged incremental poll,
  ``limits()``, accounting jobs through ``slurmlib.db``, and each ``slurmlib`` subcommand;
- what a user would run instead: ``squeue --json``, ``sinfo --json``,
  ``scontrol show node -o`` (and ``--json`` where the release has it), ``sacct --json``
  and ``-P``, ``sacctmgr -P``, ``scontrol show assoc_mgr``, and slurmrestd (see
  ``bench.restd``) for the same data.

Prints the results as JSON (``bench.report`` turns them into ``results.md``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench import restd
from bench.measure import Series, repeat

PYTHON = sys.executable
SLURMLIB = str(Path(sys.executable).with_name("slurmlib"))


def probe(
    name: str, action: str, runs: int, calls: int = 1, env: dict[str, str] | None = None
) -> Series:
    return repeat(
        name, [PYTHON, "-m", "bench.probe", action, str(calls)], runs, env=env, inner_timing=True
    )


def command(name: str, argv: list[str], runs: int, accept: tuple[int, ...] = (0,)) -> Series:
    return repeat(name, argv, runs, accept=accept)


def has_json_show_node() -> bool:
    """``scontrol show node --json`` exists from 23.02 on: ask the tool, not the version."""
    done = subprocess.run(
        ["scontrol", "--json", "show", "node", "node1"], capture_output=True, text=True
    )
    return done.returncode == 0 and done.stdout.lstrip().startswith("{")


def subjects() -> dict[str, str]:
    """What ``why`` and ``eff`` are asked about: a pending job deep in a busy partition, a
    finished job with steps and its user (empty when the state has none)."""
    pending = [
        line.split()
        for line in subprocess.run(
            ["squeue", "-h", "-t", "PD", "-o", "%i %P %u", "--sort=-p"],
            capture_output=True,
            text=True,
        ).stdout.splitlines()
        if line.split()[0].isdigit()  # not an array's pending tasks
    ]
    # One from the middle of the queue: its rank is neither first nor trivial.
    picked = pending[len(pending) // 2] if pending else ["", "", ""]
    finished = subprocess.run(
        [
            *("sacct", "-a", "-n", "-X", "-P", "-o", "JobID,User", "-s", "CD"),
            *("-S", "now-7days", "-E", "now"),
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    # The most recent one: sacct lists by submit time.
    job, _, user = (finished[-1] if finished else "").partition("|")
    return {
        "pending": picked[0],
        "partition": picked[1],
        "pending_user": picked[2],
        "finished": job.split("_")[0],
        "finished_user": user,
    }


EFF_FIELDS = "JobID,State,Elapsed,Timelimit,TotalCPU,AllocCPUS,ReqMem,MaxRSS"


def subcommands(subject: dict[str, str]) -> list[tuple[str, list[str], str]]:
    """(name, slurmlib argv, the Slurm commands a user would run for the same answer)."""
    done = subprocess.run([SLURMLIB, "--help"], capture_output=True, text=True)
    job, part, fin, user = (
        subject["pending"],
        subject["partition"],
        subject["finished"],
        subject["finished_user"],
    )
    wanted = [
        ("nodes", ["nodes", "--json"], "sinfo -h -o '%R %f %T %D %C %m %G'"),
        (
            "limits",
            ["limits", "--json"],
            "scontrol show assoc_mgr flags=assoc,qos,users; squeue -h -o '%u %a %q %T %C %m'",
        ),
        ("health", ["health", "--json"], "scontrol ping; sdiag; sinfo -R; squeue -h -t CG"),
        ("top", ["top", "--once"], "squeue; sinfo"),
        ("top", ["top", "--once", "--json"], "squeue --json; sinfo --json"),
    ]
    if job:
        wanted.append(
            (
                "why",
                ["why", job, "--json"],
                f"scontrol show job {job}; squeue -h -t PD -p {part} -o '%i %Q' --sort=-p,i; "
                f"squeue -h --start -j {job}",
            )
        )
    if fin:
        wanted.append(("eff", ["eff", fin, "--json"], f"sacct -j {fin} -P -o {EFF_FIELDS}"))
    if user:
        wanted.append(
            (
                "eff",
                ["eff", "-u", user, "--since", "7d", "--json"],
                f"sacct -u {user} -S now-7days -P -o {EFF_FIELDS}",
            )
        )
    return [entry for entry in wanted if f"    {entry[0]} " in done.stdout]


def measure(runs: int, quick: bool) -> dict[str, Any]:
    db_days = 70
    start = (datetime.now() - timedelta(days=db_days)).strftime("%Y-%m-%dT%H:%M:%S")
    env_db = {"BENCH_DB_DAYS": str(db_days)}
    # Pairs per run (pooled over the runs): the wall-time interval narrows with their root.
    poll_calls = 20 if quick else 200
    groups: dict[str, list[Series]] = {}

    groups["baseline"] = [probe("python + slurmlib, idle (set-up only)", "baseline", runs)]
    for kind in ("jobs", "nodes", "partitions"):
        series = [
            probe(f"bare RPC: load + free {kind}", f"rpc-{kind}", runs),
            probe(f"slurmlib Cluster.{kind}() snapshot", f"snapshot-{kind}", runs),
        ]
        if kind in ("jobs", "nodes"):
            series += [
                probe(
                    f"bare RPC, no change: load {kind}", f"rpc-nochange-{kind}", runs, poll_calls
                ),
                probe(
                    f"slurmlib Cluster.{kind}() unchanged poll", f"poll-{kind}", runs, poll_calls
                ),
            ]
        groups[kind] = series
    groups["jobs"].append(command("squeue --json", ["squeue", "--json"], runs))
    groups["jobs"].append(command("squeue (text, default format)", ["squeue"], runs))
    groups["nodes"].append(command("sinfo --json", ["sinfo", "--json"], runs))
    groups["nodes"].append(
        command("scontrol show node -o", ["scontrol", "show", "node", "-o"], runs)
    )
    if has_json_show_node():
        groups["nodes"].append(
            command("scontrol show node --json", ["scontrol", "--json", "show", "node"], runs)
        )
    groups["partitions"].append(
        command("scontrol show partition -o", ["scontrol", "show", "partition", "-o"], runs)
    )

    groups["limits"] = [
        probe("slurmlib Cluster.limits()", "limits", runs),
        command(
            "scontrol show assoc_mgr",
            ["scontrol", "show", "assoc_mgr", "flags=assoc,qos,users"],
            runs,
        ),
        command("sacctmgr -P list assoc", ["sacctmgr", "-P", "-n", "list", "assoc"], runs),
        command("sshare -a -P", ["sshare", "-a", "-P"], runs),
    ]

    accounting = [
        probe(f"slurmlib db.jobs() ({db_days} days, no steps)", "db-jobs", runs, env=env_db)
    ]
    sacct = ["sacct", "-a", "-X", "-S", start, "-E", "now"]
    accounting.append(command(f"sacct --json ({db_days} days)", [*sacct, "--json"], runs))
    accounting.append(
        command(f"sacct -P ({db_days} days, allocations)", [*sacct, "-P", "-n"], runs)
    )
    groups["accounting"] = accounting

    # health's exit status is its verdict: 1 (something needs attention) is an answer too.
    # Each subcommand is followed by the commands a user would run for the same answer.
    subject = subjects()
    subs: list[Series] = []
    for _, argv, shell in subcommands(subject):
        subs.append(command(f"slurmlib {' '.join(argv)}", [SLURMLIB, *argv], runs, (0, 1)))
        subs.append(command(f"Slurm's tools: {shell}", ["sh", "-c", shell], runs))
    groups["subcommands"] = subs

    rest = restd.measure(runs, days=db_days)
    for group, series in rest.items():
        groups.setdefault(group, []).extend(series)

    return {
        "groups": {name: [s.as_dict() for s in series] for name, series in groups.items()},
        "memory": {"jobs": memory("jobs")},
        "slurmrestd": restd.LAST_INFO,
    }


def memory(kind: str) -> dict[str, Any]:
    """The Python memory a snapshot's records hold, per record (one run: it is a count)."""
    done = subprocess.run(
        [PYTHON, "-m", "bench.probe", f"memory-{kind}"], capture_output=True, text=True
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 runs, fewer polls")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    if shutil.which("squeue") is None:
        raise SystemExit("bench.controller: Slurm's commands are not installed")
    results = measure(3 if args.quick else args.runs, args.quick)
    text = json.dumps(results, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

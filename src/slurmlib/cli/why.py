"""``slurmlib why JOBID``: why a pending job is not running, in plain words.

    $ slurmlib why 12
    job 12 (carol, pending_qos_limit) is PENDING in partition debug, QoS high
    reason     QOSMaxJobsPerUserLimit: a limit of its QoS holds it
    limit      QoS high MaxJobsPerUser 1: carol has 1 running
    ...

The reason is Slurm's own; the limit behind it comes from the controller's live counters
(``Cluster.limits()``), the rank from the pending jobs of the same partition, the expected
start from the scheduler (what ``squeue --start`` shows), and the hints from the nodes that
are free now.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ..capacity import state_word
from ..errors import SlurmError, Unsupported
from ..jobspec import array_task_ids
from ..records import Job, Node, Partition, Snapshot
from ..states import JobState
from . import keep
from .limit_reasons import Bound, resolve
from .node_totals import feature_matcher
from .words import age, iso, local_time, render_table

# Slurm's reason names → what they mean for the user. Limit reasons (QOS*/Assoc*) are
# explained from the limit itself.
PLAIN = {
    "Resources": "the resources it needs are in use",
    "Priority": "jobs of higher priority are ahead of it in its partition",
    "Dependency": "it waits for the jobs it depends on",
    "DependencyNeverSatisfied": "its dependency can never be satisfied: it will never start",
    "JobHeldUser": "held by its user",
    "JobHeldAdmin": "held by an administrator",
    "BeginTime": "it asked not to start before its begin time",
    "ReqNodeNotAvail": "a node it needs is down, drained or reserved",
    "PartitionDown": "its partition is down",
    "PartitionInactive": "its partition is inactive",
    "PartitionNodeLimit": "it asks for more nodes than its partition allows",
    "PartitionTimeLimit": "its time limit is longer than its partition allows",
    "JobArrayTaskLimit": "its array already runs as many tasks as it allows at once",
    "Reservation": "it waits for its reservation to start",
    "Licenses": "the licenses it needs are in use",
    "NodeDown": "a node it needs is down",
    "BadConstraints": "no node can satisfy its constraints",
    "InvalidAccount": "its account is not valid",
    "InvalidQOS": "its QoS is not valid",
    "QOSNotAllowed": "its QoS is not allowed for its partition or association",
    "AccountNotAllowed": "its account may not use its partition",
    "None": "not evaluated by the scheduler yet",
}


_JOB_ARG = re.compile(r"(\d+)(?:_(\d+)|_\[([^\]]+)\])?")


def _job_arg(text: str) -> tuple[int, int | None, str | None]:
    """(job id, task id, pending tasks) from ``1234``, ``1234_5`` (a task of an array) or
    ``1234_[6-8%2]``, squeue's label of the array's tasks that have not started."""
    match = _JOB_ARG.fullmatch(text.strip())
    if match is None or not 0 < int(match[1]) < 2**32:
        raise ValueError(f"not a job id: {text!r} (use 1234, 1234_5 or 1234_[6-8])")
    if match[3] is not None:
        try:
            array_task_ids(match[3])
        except ValueError:
            raise ValueError(
                f"not a job id: {text!r} (an array's tasks as squeue writes them: 1234_[6-8%2])"
            ) from None
    return int(match[1]), int(match[2]) if match[2] else None, match[3]


def _find(cluster: Any, job_id: int, task: int | None, tasks: str | None = None) -> Job:
    """The job, the array task, or the record of an array's pending tasks that the
    argument names; ``LookupError`` saying what is missing."""
    if tasks is not None:
        return _pending_tasks(cluster, job_id, tasks)
    if task is None:
        return cluster.job(job_id)  # type: ignore[no-any-return]
    for job in cluster.jobs(job_ids=[job_id]):
        if job.array_job_id == job_id and job.array_task_id == task:
            return job  # type: ignore[no-any-return]
    # A task that has not started lives in the array's pending record, among its tasks.
    meta = _pending_record(cluster, job_id)
    if meta is not None and task in array_task_ids(meta.array_tasks or "")[0]:
        return meta
    raise LookupError(f"job {job_id} has no task {task}")


def _pending_record(cluster: Any, job_id: int) -> Job | None:
    """The record of array ``job_id``'s tasks that have not started (``4_[3-8%2]``)."""
    meta: Job = cluster.job(job_id)
    pending = meta.array_job_id == job_id and meta.state is JobState.PENDING
    return meta if pending and meta.array_tasks else None


def _pending_tasks(cluster: Any, job_id: int, tasks: str) -> Job:
    meta = _pending_record(cluster, job_id)
    if meta is None:
        raise LookupError(f"job {job_id} has no pending tasks")
    # squeue's label may be older than the array: a task named there may have started since.
    if not set(array_task_ids(tasks)[0]) & set(array_task_ids(meta.array_tasks or "")[0]):
        raise LookupError(
            f"no task of {job_id}_[{tasks}] is pending; the pending ones are "
            f"{job_id}_[{meta.array_tasks}]"
        )
    return meta


def _per_node(job: Job) -> tuple[int, int, int, int]:
    """(nodes, CPUs per node, MiB per node, GPUs per node) the job asks for."""
    nodes = max(job.num_nodes or 1, 1)
    cpus = job.tres_requested.get("cpu", job.num_cpus or 1)
    memory = job.tres_requested.get("mem", 0)
    gpus = job.tres_requested.get("gres/gpu", 0)
    return nodes, -(-cpus // nodes), -(-memory // nodes), -(-gpus // nodes)


def gpu_kind(job: Job) -> str | None:
    """The GPUs a job asks for as a GRES name: ``"gpu:a100"`` when every request names
    that type, ``"gpu"`` for any type, None when it asks for none. The same whether it
    asked with --gres, --gpus, --gpus-per-node, --gpus-per-task or --gpus-per-socket."""
    keys = {
        key
        for asked in (job.gpus_per_job, job.gpus_per_node, job.gpus_per_task, job.gpus_per_socket)
        for key in asked
    }
    if not keys and not job.tres_requested.get("gres/gpu"):
        return None
    return keys.pop() if len(keys) == 1 else "gpu"


def free_gpus(node: Node, kind: str | None = "gpu") -> int:
    """GPUs of ``kind`` (``"gpu"``: any type) not allocated on a node that can take a job
    now; 0 otherwise."""
    if kind is None or state_word(node) not in ("idle", "mixed") or not node.responding:
        return 0
    if kind == "gpu":
        return max(node.gpus - node.gpus_allocated, 0)
    return max(node.gres_total.get(kind, 0) - node.gres_in_use.get(kind, 0), 0)


def _room(node: Node, kind: str | None = "gpu") -> tuple[int, int, int]:
    """(CPUs, MiB, GPUs of ``kind``) free on a node that can take a job now; zeros
    otherwise."""
    if state_word(node) not in ("idle", "mixed") or not node.responding:
        return 0, 0, 0
    return node.idle_cpus, node.real_memory - node.alloc_memory, free_gpus(node, kind)


def _fits(job: Job, node: Node) -> bool:
    _, cpus, memory, gpus = _per_node(job)
    free_cpus, free_mem, free_gpus = _room(node, gpu_kind(job))
    if job.features:
        try:
            if not feature_matcher(job.features)(node.active_features):
                return False
        except ValueError:  # counts, brackets...: too rich to judge here
            return False
    return free_cpus >= cpus and free_mem >= memory and free_gpus >= gpus


def _allowed(job: Job, part: Partition) -> bool:
    if part.state != "UP":
        return False
    if part.allow_accounts and job.account not in part.allow_accounts:
        return False
    if job.account in part.deny_accounts or job.qos in part.deny_qos:
        return False
    if part.allow_qos and job.qos not in part.allow_qos:
        return False
    limit, wanted = part.max_time, job.time_limit
    return not (isinstance(limit, timedelta) and isinstance(wanted, timedelta) and wanted > limit)


def suggestions(job: Job, nodes: Snapshot[Node], partitions: Sequence[Partition]) -> list[str]:
    """What would let the job start now: another partition, a smaller request."""
    hints: list[str] = []
    by_name = nodes.by_key
    mine = set((job.partition or "").split(","))
    count, cpus, _, _ = _per_node(job)
    for part in partitions:
        if part.name in mine or not _allowed(job, part):
            continue
        fitting = [n for n in part.node_names if n in by_name and _fits(job, by_name[n])]
        if len(fitting) >= count:
            hints.append(
                f"partition {part.name} could start it now ({len(fitting)} node(s) with room): "
                f"scontrol update jobid={job.job_id} partition={part.name}"
            )
    for part in partitions:
        if part.name not in mine:
            continue
        rooms = [_room(by_name[n])[0] for n in part.node_names if n in by_name]
        best = max(rooms, default=0)
        if best == 0:
            hints.append(f"no node of partition {part.name} has a free CPU now")
        elif best < cpus:
            hints.append(
                f"a request of at most {best} CPU(s) per node could start now in {part.name} "
                f"(it asks for {cpus})"
            )
    return hints


def gpu_answer(
    job: Job, nodes: Sequence[Node], partitions: Sequence[Partition]
) -> dict[str, Any] | None:
    """For a job that asks for GPUs: which kind, how many per node, and the nodes of its
    partitions with GPUs of that kind free now (and how many of each node's are in use)."""
    kind = gpu_kind(job)
    if kind is None:
        return None
    mine = set((job.partition or "").split(","))
    names = {n for p in partitions if p.name in mine for n in p.node_names}
    free, busy = {}, {}
    for node in nodes:
        if node.name not in names:
            continue
        total = node.gpus if kind == "gpu" else node.gres_total.get(kind, 0)
        if not total:
            continue
        used = node.gpus_allocated if kind == "gpu" else node.gres_in_use.get(kind, 0)
        room = free_gpus(node, kind)
        if room:
            free[node.name] = room
        else:
            busy[node.name] = f"{used}/{total} allocated" + (
                "" if state_word(node) in ("idle", "mixed") else f", {state_word(node)}"
            )
    asked = {
        style: dict(request)
        for style, request in (
            ("per_job", job.gpus_per_job),
            ("per_node", job.gpus_per_node),
            ("per_task", job.gpus_per_task),
            ("per_socket", job.gpus_per_socket),
        )
        if request
    }
    return {
        "type": kind.split(":", 1)[1] if ":" in kind else None,
        "requested": asked,
        "total": job.tres_requested.get("gres/gpu", 0),
        "per_node": _per_node(job)[3],
        "free_on": free,
        "none_free_on": busy,
    }


def _gpu_text(gpus: dict[str, Any]) -> str:
    kind = f"{gpus['type']} GPU(s)" if gpus["type"] else "GPU(s) of any type"
    text = f"{gpus['total']} {kind}, {gpus['per_node']} per node; "
    if gpus["free_on"]:
        text += "free now on " + ", ".join(f"{n} ({k})" for n, k in gpus["free_on"].items())
    else:
        text += "none free now"
        if gpus["none_free_on"]:
            text += " (" + ", ".join(f"{n}: {k}" for n, k in gpus["none_free_on"].items()) + ")"
    return text


def _dependencies(job: Job, cluster: Any) -> list[dict[str, Any]]:
    """The jobs named in ``afterok:2(unfulfilled),afterany:7`` and where they stand."""
    found = []
    for kind, ids, state in re.findall(r"(\w+):([\d_:+*]+)(?:\((\w+)\))?", job.dependency or ""):
        for raw in ids.split(":"):
            digits = re.match(r"\d+", raw)
            if digits is None:
                continue
            other_id = int(digits.group())
            entry: dict[str, Any] = {"type": kind, "job_id": other_id, "status": state or None}
            try:
                other = cluster.job(other_id)
            except (SlurmError, LookupError):
                entry.update(state=None, ends=None, user=None)
            else:
                entry.update(
                    state=other.state.name,
                    user=other.user_name,
                    ends=iso(other.end_time) if not other.state.finished else None,
                )
            found.append(entry)
    return found


def _bound_limit(reason: str, job: Job, cluster: Any) -> Bound | None:
    """The limit that holds the job, or None; never asks a cluster without accounting
    storage (``Cluster.limits()`` refuses there: no limits to name)."""
    try:
        limits = cluster.limits()
    except Unsupported:
        return None
    return resolve(reason, job, limits)


def explain(cluster: Any, job: Job) -> dict[str, Any]:
    """The whole answer as JSON-ready data (its keys are documented in the README)."""
    now = datetime.now(UTC)
    answer: dict[str, Any] = {
        "job_id": job.job_id,
        "array_task_id": job.array_task_id,
        "array_tasks": job.array_tasks,
        "name": job.name,
        "user": job.user_name,
        "account": job.account,
        "partition": job.partition,
        "qos": job.qos,
        "state": job.state.name,
        "reason": job.state_reason,
        "description": job.state_description,
        "explanation": None,
        "limit": None,
        "priority": job.priority,
        "rank": None,
        "pending_in_partition": None,
        "submitted": iso(job.submit_time),
        "waiting_seconds": None,
        "expected_start": None,
        "dependencies": [],
        "gpus": None,
        "suggestions": [],
    }
    if job.state is not JobState.PENDING:
        if job.state is JobState.RUNNING:
            answer["explanation"] = (
                f"it is running on {job.nodes} since {local_time(job.start_time)}"
            )
        else:
            answer["explanation"] = f"it is not pending: {job.state_text}"
        return answer
    reason = job.state_reason
    answer["waiting_seconds"] = (
        int((now - job.submit_time).total_seconds()) if job.submit_time else None
    )
    answer["expected_start"] = iso(job.start_time)
    bound = _bound_limit(reason, job, cluster) if reason.startswith(("QOS", "Assoc")) else None
    if bound is not None:
        answer["limit"] = bound.to_dict()
        answer["explanation"] = f"a limit of {bound.source} holds it"
    else:
        answer["explanation"] = job.state_description or PLAIN.get(reason, reason)
    position = cluster.queue_position(job.job_id)
    answer["rank"], answer["pending_in_partition"] = position.rank, position.pending
    if reason in ("Dependency", "DependencyNeverSatisfied"):
        answer["dependencies"] = _dependencies(job, cluster)
    hints: list[str] = []
    if reason == "JobHeldUser":
        hints.append(f"release it: scontrol release {job.job_id}")
    elif reason == "JobHeldAdmin":
        hints.append("only an administrator can release it")
    elif bound is not None and bound.used is not None:
        hints.append(f"it can start when {bound.source}'s {bound.name} has room again")
    elif reason == "DependencyNeverSatisfied":
        hints.append(f"cancel it (scancel {job.job_id}) or change its dependency")
    nodes, partitions = cluster.nodes(), cluster.partitions()
    answer["gpus"] = gpu_answer(job, nodes, partitions)
    if reason not in ("JobHeldUser", "JobHeldAdmin", "Dependency", "DependencyNeverSatisfied"):
        hints += suggestions(job, nodes, partitions)
    answer["suggestions"] = hints
    return answer


def run(args: argparse.Namespace, out: Any) -> int:
    """Run ``slurmlib why JOBID``: exit 0, or 1 when the controller has no such job or task."""
    from .clusters import client

    job_id, task, tasks = _job_arg(args.jobid)
    cluster = client()
    keep(cluster)
    try:
        job = _find(cluster, job_id, task, tasks)
    except LookupError as exc:
        out.error(str(exc))
        return 1
    answer = explain(cluster, job)
    if args.json:
        out.json(answer)
        return 0
    title = f"job {answer['job_id']}"
    # Array tasks as squeue labels them: the array's id (a task's own id is another).
    if answer["array_task_id"] is not None:
        title = f"job {job.array_job_id}_{answer['array_task_id']}"
    elif answer["array_tasks"] is not None:
        title += f"_[{answer['array_tasks']}]"
    out.stream.write(
        f"{title} ({answer['user']}, {answer['name']}) is {answer['state']} in partition "
        f"{answer['partition']}, QoS {answer['qos']}\n"
    )
    rows: list[list[str | tuple[str, str]]] = []
    if answer["state"] == "PENDING":
        rows.append(["reason", (answer["reason"], "bold yellow")])
        rows.append(["why", answer["explanation"]])
        if answer["limit"]:
            rows.append(["limit", answer["limit"]["text"]])
        if answer["gpus"]:
            rows.append(["gpus", _gpu_text(answer["gpus"])])
        for dep in answer["dependencies"]:
            ends = (
                f", ends by {local_time(datetime.fromisoformat(dep['ends']))}"
                if dep["ends"]
                else ""
            )
            rows.append(
                [
                    "waits for",
                    f"job {dep['job_id']} ({dep['type']}): {dep['state'] or 'gone'}{ends}",
                ]
            )
        if answer["rank"] is not None:
            rows.append(
                [
                    "rank",
                    f"{answer['rank']} of {answer['pending_in_partition']} pending in "
                    f"{answer['partition']} (priority {answer['priority']})",
                ]
            )
        start = answer["expected_start"]
        rows.append(
            [
                "expected start",
                local_time(datetime.fromisoformat(start)) if start else "not known yet",
            ]
        )
        if answer["waiting_seconds"] is not None:
            rows.append(["waiting", age(timedelta(seconds=answer["waiting_seconds"]))])
        for i, hint in enumerate(answer["suggestions"]):
            rows.append(["what would help" if i == 0 else "", hint])
    else:
        rows.append(["state", answer["explanation"]])
    render_table(out.stream, ["", ""], rows, left=(0, 1), show_header=False)
    return 0


def add_parser(sub: Any, summary: str) -> None:
    """Add the ``why`` subcommand and its options to the ``slurmlib`` subparsers ``sub``."""
    parser = sub.add_parser(
        "why",
        help=summary,
        description=(
            "Why a pending job waits: its reason, the exact limit or resource that holds it, "
            "its rank in its partition, the expected start, and what would help."
        ),
        epilog="example: slurmlib why 1234 --json",
    )
    parser.add_argument(
        "jobid",
        metavar="JOBID",
        help="a job id: 1234, 1234_5 (an array task) or 1234_[6-8] (its pending tasks, as "
        "squeue shows them)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(runner=run)

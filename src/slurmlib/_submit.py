"""A :class:`JobSpec` as Slurm's ``job_desc_msg_t``, and the calls that take one.

Memory: the descriptor and every string in it are cffi allocations held by a
:class:`~slurmlib._cbuffers.CBuffers` for exactly as long as the call. None of it is handed
to a Slurm free function: ``slurm_submit_batch_job``, ``slurm_job_will_run2`` and
``slurm_update_job2`` only read the descriptor. What Slurm answers is freed with Slurm's
own functions before these functions return.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from . import convert as cv
from . import native
from ._cbuffers import CBuffers
from .convert import Unlimited
from .errors import SlurmError
from .jobspec import JobSpec
from .native import capabilities, ffi, lib
from .records import SubmitResult, WillRun

__all__ = ["job_desc", "submit", "will_run"]

_MEM_PER_CPU = int(lib.MEM_PER_CPU)
_NICE_OFFSET = int(lib.NICE_OFFSET)
_INFINITE = int(lib.INFINITE)
_JOB_SHARED_NONE = int(lib.JOB_SHARED_NONE)

# Slurm 23.02 renamed the GRES type prefix of TRES strings from "gres:" to "gres/"; what
# sbatch sends is what the controller of its own release parses. Releases from 23.02 have
# job_desc_msg_t.container_id (sbatch --container-id), 22.05 has not.
_GRES_PREFIX = "gres/" if capabilities.has_field("job_desc_msg_t", "container_id") else "gres:"

_SHORT_HOSTNAME = socket.gethostname().split(".")[0]


def job_desc(spec: JobSpec, buffers: CBuffers) -> Any:
    """A ``job_desc_msg_t *`` asking for what ``spec`` asks for (owned by ``buffers``)."""
    desc = buffers.keep(ffi.new("job_desc_msg_t *"))
    lib.slurm_init_job_desc_msg(desc)
    assert spec.script is not None  # JobSpec guarantees one script
    desc.script = buffers.text(spec.script)
    # The controller refuses a job for a uid other than the caller's unless root asks.
    desc.user_id = os.getuid()
    desc.group_id = os.getgid()
    # Set here rather than by libslurm: some releases point it at a buffer they free at the
    # end of the call.
    desc.alloc_node = buffers.text(_SHORT_HOSTNAME)
    work_dir = spec.work_dir or os.getcwd()
    # As bytes from the start (os.environb): encoding the caller's every variable at each
    # submission was most of a submission's own time. The spec's variables win over ours.
    own = {os.fsencode(k): os.fsencode(v) for k, v in (spec.environment or {}).items()}
    env = dict(os.environb) if spec.inherit_environment else {}
    env.update(own)
    env.update(
        (k.encode(), os.fsencode(v)) for k, v in _submission_variables(spec, work_dir).items()
    )
    env.update(own)
    desc.environment, desc.env_size = buffers.text_array([k + b"=" + v for k, v in env.items()])
    desc.work_dir = buffers.text(os.fsencode(work_dir))
    if spec.arguments or spec.script_file is not None:
        command = os.fspath(spec.script_file) if spec.script_file is not None else spec.name
        desc.argv, desc.argc = buffers.text_array([command or "script", *spec.arguments])
    _set_strings(desc, buffers, spec)
    _set_resources(desc, spec)
    _set_gpus(desc, buffers, spec)
    if spec.time_limit is not None:
        desc.time_limit = _minutes(spec.time_limit)
    begin = spec.begin_timestamp()
    if begin is not None:
        desc.begin_time = begin
    if spec.hold:
        desc.priority = 0
    if spec.exclusive:
        desc.shared = _JOB_SHARED_NONE
    if spec.requeue is not None:
        desc.requeue = int(spec.requeue)
    if spec.nice is not None:
        desc.nice = _NICE_OFFSET + spec.nice
    return desc


def _gpu_items(value: object, name: str = "gpu:") -> list[str]:
    """``"a100:1,v100:2"`` → ``["gres/gpu:a100:1", "gres/gpu:v100:2"]``, as sbatch writes
    its GPU options into the TRES strings (``gres:`` before 23.02)."""
    return [_GRES_PREFIX + name + item for item in str(value).split(",")]


def _set_gpus(desc: Any, buffers: CBuffers, spec: JobSpec) -> None:
    """--gres and --gpus-per-node both go to tres_per_node, as sbatch sends them."""
    per_node = []
    if spec.gres is not None:
        per_node += _gpu_items(spec.gres, "")
    if spec.gpus_per_node is not None:
        per_node += _gpu_items(spec.gpus_per_node)
    if per_node:
        desc.tres_per_node = buffers.text(",".join(per_node))
    for field, value in (
        ("tres_per_job", spec.gpus),
        ("tres_per_task", spec.gpus_per_task),
        ("tres_per_socket", spec.gpus_per_socket),
    ):
        if value is not None:
            setattr(desc, field, buffers.text(",".join(_gpu_items(value))))
    if spec.cpus_per_gpu is not None:
        desc.cpus_per_tres = buffers.text(f"{_GRES_PREFIX}gpu:{spec.cpus_per_gpu}")
    if spec.memory_per_gpu is not None:
        desc.mem_per_tres = buffers.text(f"{_GRES_PREFIX}gpu:{spec.memory_per_gpu}")


def _submission_variables(spec: JobSpec, work_dir: str | os.PathLike[str]) -> dict[str, str]:
    """What sbatch adds to a job's environment and the job's steps rely on.

    slurmstepd names the job from SLURM_JOB_NAME (the ``%x`` of output paths), srun in the
    script reads the task layout from these variables, and SLURM_UMASK sets the mode of the
    output files.
    """
    variables = {
        "SLURM_SUBMIT_DIR": os.fspath(work_dir),
        "SLURM_SUBMIT_HOST": _SHORT_HOSTNAME,
        "SLURM_UMASK": f"{_current_umask():04o}",
    }
    if spec.name is not None:
        variables["SLURM_JOB_NAME"] = spec.name
    if spec.ntasks is not None:
        variables["SLURM_NTASKS"] = variables["SLURM_NPROCS"] = str(spec.ntasks)
    if spec.ntasks_per_node is not None:
        variables["SLURM_NTASKS_PER_NODE"] = str(spec.ntasks_per_node)
    if spec.cpus_per_task is not None:
        variables["SLURM_CPUS_PER_TASK"] = str(spec.cpus_per_task)
    if spec.memory_per_node is not None:
        variables["SLURM_MEM_PER_NODE"] = str(spec.memory_per_node)
    if spec.memory_per_cpu is not None:
        variables["SLURM_MEM_PER_CPU"] = str(spec.memory_per_cpu)
    return variables


def _current_umask() -> int:
    # Read, not set-and-restore: os.umask would change it for every thread meanwhile.
    try:
        with open("/proc/self/status", "rb") as status:
            text = status.read()
    except OSError:
        return 0o022
    start = text.find(b"\nUmask:")
    if start < 0:
        return 0o022
    return int(text[start + 8 : text.index(b"\n", start + 1)].strip(), 8)


def _set_strings(desc: Any, buffers: CBuffers, spec: JobSpec) -> None:
    for field, value in (
        ("name", spec.name),
        ("partition", spec.partition),
        ("account", spec.account),
        ("qos", spec.qos),
        ("reservation", spec.reservation),
        ("req_nodes", spec.nodelist),
        ("exc_nodes", spec.exclude),
        ("array_inx", spec.array),
        ("dependency", spec.dependency),
        ("std_out", spec.output),
        ("std_err", spec.error),
        ("features", spec.constraints),
        ("licenses", spec.licenses),
        ("comment", spec.comment),
    ):
        if value is not None:
            setattr(desc, field, buffers.text(str(value)))


def _set_resources(desc: Any, spec: JobSpec) -> None:
    if spec.nodes is not None:
        low, high = spec.nodes if isinstance(spec.nodes, tuple) else (spec.nodes, spec.nodes)
        desc.min_nodes = low
        desc.max_nodes = high
    if spec.ntasks is not None:
        desc.num_tasks = spec.ntasks
    if spec.ntasks_per_node is not None:
        desc.ntasks_per_node = spec.ntasks_per_node
    if spec.cpus_per_task is not None:
        desc.cpus_per_task = spec.cpus_per_task
    if spec.memory_per_node is not None:
        desc.pn_min_memory = int(spec.memory_per_node)
    if spec.memory_per_cpu is not None:
        desc.pn_min_memory = int(spec.memory_per_cpu) | _MEM_PER_CPU


def _minutes(value: Any) -> int:
    if isinstance(value, Unlimited):
        return _INFINITE
    return int(value.total_seconds() // 60)


def submit(spec: JobSpec) -> SubmitResult:
    """Submit ``spec`` as a batch job (``slurm_submit_batch_job``)."""
    buffers = CBuffers()
    with native.api_lock:
        desc = job_desc(spec, buffers)
        out = ffi.new("submit_response_msg_t **")
        native.check(lib.slurm_submit_batch_job(desc, out), "submitting a batch job")
        msg = out[0]
        if msg == ffi.NULL:
            raise SlurmError("submitting a batch job: the controller sent no job id")
        try:
            job_id = _response_job_id(msg)
            message = cv.text(msg.job_submit_user_msg)
        finally:
            lib.slurm_free_submit_response_response_msg(msg)
    return SubmitResult(job_id=job_id, array_task_ids=spec.array_task_ids(), message=message)


def _response_job_id(msg: Any) -> int:
    # 26.05 answers with a step id struct where older releases had job_id.
    if capabilities.has_field("submit_response_msg_t", "job_id"):
        return int(msg.job_id)
    return int(msg.step_id.job_id)


def will_run(spec: JobSpec) -> WillRun:
    """When and where ``spec`` would start, without submitting it (``slurm_job_will_run2``)."""
    buffers = CBuffers()
    with native.api_lock:
        desc = job_desc(spec, buffers)
        out = ffi.new("will_run_response_msg_t **")
        native.check(lib.slurm_job_will_run2(desc, out), "asking when a job would run")
        msg = out[0]
        if msg == ffi.NULL:
            raise SlurmError("asking when a job would run: the controller sent no answer")
        try:
            nodes = cv.text(msg.node_list)
            return WillRun(
                start_time=cv.timestamp(int(msg.start_time)),
                nodes=nodes,
                node_names=cv.expand_hostlist(nodes),
                partition=cv.text(msg.part_name),
                cpus=cv.plain(int(msg.proc_cnt)),
                preempted_job_ids=_uint32_list(msg.preemptee_job_id),
                message=cv.text(msg.job_submit_user_msg),
            )
        finally:
            _free_response(msg, "will_run_response_msg_t")


def _uint32_list(slurm_list: Any) -> tuple[int, ...]:
    """The ``uint32_t *`` elements of a Slurm list (NULL is empty)."""
    return tuple(int(item[0]) for item in cv.list_items(slurm_list, "uint32_t"))


def _free_response(msg: Any, ctype: str) -> None:
    """Free an answer whose free function libslurm exports but no header declares.

    Such answers are flat: xmalloc'd strings, lists created with their element destructor,
    and the struct itself; that is what Slurm's own free function releases too.
    """
    for name, field in ffi.typeof(ctype).fields:
        value = getattr(msg, name)
        if field.type.kind != "pointer" or value == ffi.NULL:
            continue
        if field.type.item.cname == "char":
            lib.slurm_xfree_ptr(value)
        elif field.type.cname in ("List", "list_t *", "struct xlist *"):
            lib.slurm_list_destroy(value)
    lib.slurm_xfree_ptr(msg)

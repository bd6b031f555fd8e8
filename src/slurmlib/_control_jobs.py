"""Acting on jobs: the job writes of :class:`~slurmlib.Cluster` (submit, will_run, cancel,
signal, hold, release, requeue, suspend, resume, update_job).

Job calls use the variants that take the job id as text (``slurm_kill_job2``,
``slurm_suspend2``, ``slurm_requeue2``, ``slurm_update_job2``): their signatures are the same
from 22.05 to 26.05, where the numeric ones changed to take a step id struct by value, and
they accept array tasks (``"12_3"``) and whole arrays. Job arguments are an id, or Slurm's
text for a job (``"12"``, ``"12_3"`` for one array task).

Submitting is :mod:`slurmlib._submit`'s (a :class:`~slurmlib.JobSpec` as Slurm's
``job_desc_msg_t``), imported at the first submission: a program that only reads never
loads it.
"""

from __future__ import annotations

import signal as signal_module
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ._cbuffers import CBuffers
from ._control import c_minutes, call, call_with_array_answer
from ._validate import (
    check_choice,
    check_count,
    check_dependency,
    check_names,
    check_text,
    job_text,
    signal_number,
)
from .convert import Unlimited
from .native import ffi, lib
from .records import JobRef, SubmitResult, WillRun

if TYPE_CHECKING:
    from .jobspec import JobSpec

__all__ = ["JobControl"]

_INFINITE = int(lib.INFINITE)
_NICE_OFFSET = int(lib.NICE_OFFSET)

_SIGNAL_SCOPES = {
    # scancel's default: every step, but not the batch script
    "STEPS": 0,
    "BATCH": int(lib.KILL_JOB_BATCH),
    "FULL": int(lib.KILL_FULL_JOB),
}


def _update(ref: str, what: str, fill: Callable[[Any, CBuffers], None]) -> None:
    """``slurm_update_job2`` with a descriptor that changes what ``fill`` sets."""
    buffers = CBuffers()
    desc = buffers.keep(ffi.new("job_desc_msg_t *"))
    lib.slurm_init_job_desc_msg(desc)
    desc.job_id_str = buffers.text(ref)
    fill(desc, buffers)
    call_with_array_answer(what, lambda out: lib.slurm_update_job2(desc, out))


class JobControl:
    """The job writes of :class:`~slurmlib.Cluster`."""

    def submit(self, spec: JobSpec) -> SubmitResult:
        """Submit a batch job; returns its id (and an array's task ids)."""
        from . import _submit

        return _submit.submit(spec)

    def will_run(self, spec: JobSpec) -> WillRun:
        """When and where ``spec`` would start, without submitting it (sbatch --test-only)."""
        from . import _submit

        return _submit.will_run(spec)

    def cancel(self, job: JobRef, signal: int | str | None = None) -> None:
        """Cancel a job, an array task or a whole array; with ``signal``, signal it instead."""
        ref = job_text(job)
        number = int(signal_module.SIGKILL) if signal is None else signal_number(signal)
        call(
            f"cancelling job {ref}",
            lambda: lib.slurm_kill_job2(ref.encode(), number, 0, ffi.NULL),
        )

    def signal(self, job: JobRef, signal: int | str, scope: str = "full") -> None:
        """Signal a running job: ``scope`` "full" (every process, the batch script too),
        "batch" (the batch script only) or "steps" (its steps only, scancel's default)."""
        ref = job_text(job)
        number = signal_number(signal)
        flags = check_choice("scope", scope, _SIGNAL_SCOPES)
        call(
            f"signalling job {ref}",
            lambda: lib.slurm_kill_job2(ref.encode(), number, flags, ffi.NULL),
        )

    def hold(self, job: JobRef, user: bool = False) -> None:
        """Hold a pending job (``user=True``: a hold its owner may release)."""
        # An admin's hold (the default for operators) can only be released by an admin.
        ref = job_text(job)
        if not isinstance(user, bool):
            raise TypeError("user must be True or False")

        def fill(desc: Any, _: CBuffers) -> None:
            desc.priority = 0
            if user:
                desc.alloc_sid = int(lib.ALLOC_SID_USER_HOLD)

        _update(ref, f"holding job {ref}", fill)

    def release(self, job: JobRef) -> None:
        # The job gets a priority from the priority plugin again.
        ref = job_text(job)

        def fill(desc: Any, _: CBuffers) -> None:
            desc.priority = _INFINITE

        _update(ref, f"releasing job {ref}", fill)

    def requeue(self, job: JobRef, hold: bool = False) -> None:
        # A running or finished batch job goes back to the queue (held with hold=True).
        ref = job_text(job)
        if not isinstance(hold, bool):
            raise TypeError("hold must be True or False")
        flags = int(lib.JOB_REQUEUE_HOLD) if hold else 0
        call_with_array_answer(
            f"requeueing job {ref}",
            lambda out: lib.slurm_requeue2(ffi.new("char[]", ref.encode()), flags, out),
        )

    def suspend(self, job: JobRef) -> None:
        ref = job_text(job)
        call_with_array_answer(
            f"suspending job {ref}",
            lambda out: lib.slurm_suspend2(ffi.new("char[]", ref.encode()), out),
        )

    def resume(self, job: JobRef) -> None:
        """Resume a suspended job (for nodes, see :meth:`resume_nodes`)."""
        ref = job_text(job)
        call_with_array_answer(
            f"resuming job {ref}",
            lambda out: lib.slurm_resume2(ffi.new("char[]", ref.encode()), out),
        )

    def update_job(
        self,
        job: JobRef,
        *,
        time_limit: timedelta | int | Unlimited | None = None,
        partition: str | Iterable[str] | None = None,
        qos: str | None = None,
        account: str | None = None,
        priority: int | None = None,
        nice: int | None = None,
        name: str | None = None,
        dependency: str | None = None,
        comment: str | None = None,
    ) -> None:
        """Change a job (``scontrol update job``); ``None`` leaves a field as it is."""
        # dependency="" and comment="" clear them.
        ref = job_text(job)
        strings: dict[str, str] = {}
        if partition is not None:
            strings["partition"] = ",".join(check_names("partition", partition))
        for field, value in (("qos", qos), ("account", account), ("name", name)):
            if value is not None:
                strings[field] = check_text(field, value)
        if dependency is not None:
            strings["dependency"] = check_dependency("dependency", dependency, empty=True)
        if comment is not None:
            strings["comment"] = check_text("comment", comment, empty=True)
        numbers: dict[str, int] = {}
        if time_limit is not None:
            numbers["time_limit"] = c_minutes("time_limit", time_limit)
        if priority is not None:
            numbers["priority"] = check_count("priority", priority, minimum=0, maximum=0xFFFFFFFD)
        if nice is not None:
            numbers["nice"] = _NICE_OFFSET + check_count(
                "nice", nice, minimum=-(_NICE_OFFSET - 3), maximum=_NICE_OFFSET - 3
            )
        if not strings and not numbers:
            raise ValueError("update_job: nothing to change")

        def fill(desc: Any, buffers: CBuffers) -> None:
            for field, text in strings.items():
                setattr(desc, field, buffers.text(text))
            for field, number in numbers.items():
                setattr(desc, field, number)

        _update(ref, f"updating job {ref}", fill)

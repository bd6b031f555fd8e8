"""What a batch job asks for: :class:`JobSpec`, validated before anything reaches Slurm.

    >>> spec = JobSpec(script="#!/bin/sh\\necho hello\\n", partition="debug",
    ...                cpus_per_task=2, memory_per_cpu="1G", time_limit=timedelta(hours=1))
    >>> cluster.submit(spec).job_id

Every field is checked when the spec is made (types, ranges, NUL bytes, the syntax of
array and dependency specs), and a wrong one raises ``ValueError`` or ``TypeError`` naming
the field. Values are normalised on the way: memory becomes MiB (``"4G"`` → 4096), a time
limit whole minutes as a ``timedelta``, partitions and licenses Slurm's comma lists.
What only the controller knows (does the partition, QoS or account exist, may this user use
it) is its to refuse, with its own message, as a typed :class:`~slurmlib.errors.SlurmError`.

Units: memory in MiB, or text with a unit (``K``, ``M``, ``G``, ``T``; 1024-based, as
sbatch reads them); time limits as ``timedelta`` or whole minutes.

The checks themselves live in :mod:`slurmlib._validate`, shared with the controller's
writes; the few that readers of a spec use too (array specs, dependencies, memory, time
limits) are named here as well.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ._gres import check_gpu_count, check_gres
from ._validate import (
    array_task_ids,
    check_count,
    check_dependency,
    check_names,
    check_text,
    parse_memory,
    time_limit_minutes,
)
from .convert import Unlimited

__all__ = [
    "JobSpec",
    "array_task_ids",
    "check_dependency",
    "check_text",
    "parse_memory",
    "time_limit_minutes",
]

_UINT16_MAX = 0xFFFF - 2  # NO_VAL16 and INFINITE16 are Slurm's


def _check_optional(field: str, value: object) -> str | None:
    return None if value is None else check_text(field, value)


def _licenses(value: object) -> str:
    """Licenses as Slurm's ``name:count,...`` from text or a mapping name → count."""
    if isinstance(value, Mapping):
        parts = []
        for name, amount in value.items():
            check_text("licenses", name)
            if ":" in name or "," in name:
                raise ValueError(f"licenses: bad license name {name!r}")
            parts.append(f"{name}:{check_count('licenses', amount)}")
        if not parts:
            raise ValueError("licenses must not be empty")
        return ",".join(parts)
    return check_text("licenses", value)


def _gres(value: object) -> str:
    """GRES per node as sbatch's ``--gres`` takes it (``"gpu:2"``, ``{"gpu:a100": 1}``)."""
    if isinstance(value, Mapping):
        parts = []
        for name, amount in value.items():
            check_text("gres", name)
            parts.append(f"{name}:{check_count('gres', amount)}")
        if not parts:
            raise ValueError("gres must not be empty")
        return check_gres("gres", ",".join(parts))
    return check_gres("gres", check_text("gres", value))


@dataclasses.dataclass(frozen=True, slots=True)
class JobSpec:
    """A batch job to submit (or to ask :meth:`Cluster.will_run` about).

    Give the script as text (``script``, starting with ``#!``) or as a file
    (``script_file``, read when the spec is made). Everything else is optional; unset
    fields take the cluster's defaults, as they do with sbatch.

    Environment: by default the job gets the caller's environment at submission time
    (``os.environ``), with ``environment`` on top; ``inherit_environment=False`` sends only
    ``environment``. Slurm refuses a batch job without any environment variable.
    """

    script: str | None = None
    """The batch script itself."""
    script_file: str | os.PathLike[str] | None = None
    """A file holding the batch script (its text is read into ``script``)."""
    arguments: tuple[str, ...] = ()
    """Arguments passed to the script."""
    name: str | None = None
    partition: str | Iterable[str] | None = None
    """One partition or several (the job runs in the first that can take it)."""
    account: str | None = None
    qos: str | None = None
    reservation: str | None = None
    nodes: int | tuple[int, int] | None = None
    """Node count, or (minimum, maximum)."""
    nodelist: str | Iterable[str] | None = None
    """Nodes the job must run on (a host list such as ``"node[1-2]"`` or names)."""
    exclude: str | Iterable[str] | None = None
    """Nodes the job must not run on."""
    ntasks: int | None = None
    ntasks_per_node: int | None = None
    cpus_per_task: int | None = None
    memory_per_node: int | str | None = None
    """MiB per node (``0``: all of each node's memory); text with a unit is accepted."""
    memory_per_cpu: int | str | None = None
    """MiB per allocated CPU; text with a unit is accepted."""
    gres: str | Mapping[str, int] | None = None
    """Generic resources per node, as ``sbatch --gres``: ``"gpu:2"``, ``{"gpu:a100": 1}``."""
    gpus: int | str | Mapping[str, int] | None = None
    """GPUs for the whole job, as ``sbatch --gpus``: ``2``, ``"a100:2"``, ``{"a100": 2}``."""
    gpus_per_node: int | str | Mapping[str, int] | None = None
    """GPUs per node (``--gpus-per-node``), written as ``gpus`` is."""
    gpus_per_task: int | str | Mapping[str, int] | None = None
    """GPUs per task (``--gpus-per-task``; give ``ntasks`` too)."""
    gpus_per_socket: int | str | Mapping[str, int] | None = None
    """GPUs per socket (``--gpus-per-socket``)."""
    cpus_per_gpu: int | None = None
    """CPUs per allocated GPU (``--cpus-per-gpu``)."""
    memory_per_gpu: int | str | None = None
    """MiB per allocated GPU (``--mem-per-gpu``); text with a unit is accepted."""
    time_limit: timedelta | int | Unlimited | None = None
    """Wall time limit: a ``timedelta`` (rounded up to minutes), minutes, or UNLIMITED."""
    array: str | None = None
    """Array spec: ``"1-8%2"``, ``"1,3,5"``, ``"0-15:4"``."""
    dependency: str | None = None
    """Dependencies as sbatch writes them: ``"afterok:12:13"``, ``"singleton"``."""
    begin_time: datetime | timedelta | None = None
    """Not before this time (an aware datetime, or a delay from submission)."""
    work_dir: str | os.PathLike[str] | None = None
    """Working directory of the script (default: the caller's current directory)."""
    output: str | None = None
    """Standard output path, with Slurm's patterns (``%j``, ``%A``, ``%a``, ``%x``...)."""
    error: str | None = None
    """Standard error path (default: with the output)."""
    environment: Mapping[str, str] | None = None
    inherit_environment: bool = True
    hold: bool = False
    """Submit held: the job waits for :meth:`Cluster.release`."""
    exclusive: bool = False
    """Take whole nodes, shared with no other job."""
    constraints: str | None = None
    """Node features the job needs, as ``--constraint`` (``"intel&ib"``, ``"amd|intel"``)."""
    licenses: str | Mapping[str, int] | None = None
    """``"matlab:2"``, or a mapping name → count."""
    comment: str | None = None
    requeue: bool | None = None
    """Whether Slurm may requeue the job (default: the cluster's JobRequeue)."""
    nice: int | None = None
    """Priority adjustment (positive lowers the priority; negative needs an admin)."""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if (self.script is None) == (self.script_file is None):
            raise ValueError("give exactly one of script (the text) and script_file (a path)")
        if self.script_file is not None:
            if not isinstance(self.script_file, str | os.PathLike):
                raise TypeError(f"script_file must be a path, not {self.script_file!r}")
            path = Path(self.script_file)
            check_text("script_file", str(path))
            try:
                set_(self, "script", path.read_text())
            except (OSError, UnicodeDecodeError) as exc:
                raise ValueError(f"script_file: cannot read {path}: {exc}") from exc
        script = check_text("script", self.script)
        if not script.startswith("#!"):
            raise ValueError(
                "script must start with '#!' and an interpreter (like '#!/bin/sh'), as sbatch "
                "requires"
            )
        if isinstance(self.arguments, str) or not isinstance(self.arguments, Iterable):
            raise TypeError("arguments must be a list of strings")
        set_(
            self,
            "arguments",
            tuple(check_text("arguments", a, empty=True) for a in self.arguments),
        )
        for field in ("name", "account", "qos", "reservation", "output", "error", "comment"):
            _check_optional(field, getattr(self, field))
        if self.constraints is not None:
            check_text("constraints", self.constraints)
        for field in ("partition", "nodelist", "exclude"):
            value = getattr(self, field)
            if value is not None:
                set_(self, field, ",".join(check_names(field, value)))
        self._check_counts()
        self._check_memory()
        if self.gres is not None:
            set_(self, "gres", _gres(self.gres))
        self._check_gpus()
        if self.time_limit is not None:
            minutes = time_limit_minutes("time_limit", self.time_limit)
            set_(
                self,
                "time_limit",
                minutes if isinstance(minutes, Unlimited) else timedelta(minutes=minutes),
            )
        if self.array is not None:
            array_task_ids(self.array)
        if self.dependency is not None:
            check_dependency("dependency", self.dependency)
        if self.begin_time is not None:
            _begin_time(self.begin_time)
        if self.work_dir is not None:
            if not isinstance(self.work_dir, str | os.PathLike):
                raise TypeError(f"work_dir must be a path, not {self.work_dir!r}")
            # Sent as the file system encodes it (os.fsencode), like the environment.
            set_(self, "work_dir", check_text("work_dir", os.fspath(self.work_dir), os_text=True))
        self._check_environment()
        for field in ("hold", "exclusive", "inherit_environment"):
            if not isinstance(getattr(self, field), bool):
                raise TypeError(f"{field} must be True or False")
        if self.requeue is not None and not isinstance(self.requeue, bool):
            raise TypeError("requeue must be True, False or None")
        if self.licenses is not None:
            set_(self, "licenses", _licenses(self.licenses))
        if self.nice is not None:
            check_count("nice", self.nice, minimum=-(2**31 - 3), maximum=2**31 - 3)

    def _check_counts(self) -> None:
        if self.nodes is not None:
            if isinstance(self.nodes, tuple):
                if len(self.nodes) != 2:
                    raise ValueError("nodes must be a count or a (minimum, maximum) pair")
                low = check_count("nodes", self.nodes[0])
                high = check_count("nodes", self.nodes[1])
                if high < low:
                    raise ValueError(f"nodes: maximum {high} is below minimum {low}")
            else:
                check_count("nodes", self.nodes)
        for field in ("ntasks",):
            if getattr(self, field) is not None:
                check_count(field, getattr(self, field))
        for field in ("ntasks_per_node", "cpus_per_task"):
            if getattr(self, field) is not None:
                check_count(field, getattr(self, field), maximum=_UINT16_MAX)

    def _check_gpus(self) -> None:
        for field in ("gpus", "gpus_per_node", "gpus_per_task", "gpus_per_socket"):
            value = getattr(self, field)
            if value is not None:
                object.__setattr__(self, field, check_gpu_count(field, value))
        if self.cpus_per_gpu is not None:
            check_count("cpus_per_gpu", self.cpus_per_gpu, maximum=_UINT16_MAX)
        if self.memory_per_gpu is not None:
            memory = parse_memory("memory_per_gpu", self.memory_per_gpu)
            if memory == 0:
                raise ValueError("memory_per_gpu must be at least 1 MiB")
            object.__setattr__(self, "memory_per_gpu", memory)

    def _check_memory(self) -> None:
        if self.memory_per_node is not None and self.memory_per_cpu is not None:
            raise ValueError("give memory_per_node or memory_per_cpu, not both")
        for field in ("memory_per_node", "memory_per_cpu"):
            if getattr(self, field) is not None:
                object.__setattr__(self, field, parse_memory(field, getattr(self, field)))
        if self.memory_per_cpu == 0:
            raise ValueError("memory_per_cpu must be at least 1 MiB")

    def _check_environment(self) -> None:
        if self.environment is None:
            if not isinstance(self.inherit_environment, bool) or not self.inherit_environment:
                raise ValueError(
                    "environment: Slurm needs at least one variable for a batch job; give "
                    "environment={...} or keep inherit_environment=True"
                )
            return
        if not isinstance(self.environment, Mapping):
            raise TypeError(
                f"environment must be a mapping of str to str, not {self.environment!r}"
            )
        for key, value in self.environment.items():
            check_text("environment", key, os_text=True)
            if "=" in key:
                raise ValueError(f"environment: a variable name must not contain '=': {key!r}")
            check_text(f"environment[{key!r}]", value, empty=True, os_text=True)
        if not self.environment and not self.inherit_environment:
            raise ValueError("environment: Slurm needs at least one variable for a batch job")
        object.__setattr__(self, "environment", dict(self.environment))

    def job_environment(self) -> dict[str, str]:
        """The variables the job gets, as of now (the caller's, when inherited, and ours)."""
        merged = dict(os.environ) if self.inherit_environment else {}
        merged.update(self.environment or {})
        return merged

    def array_task_ids(self) -> tuple[int, ...]:
        """The array task ids this spec asks for (empty for a plain job)."""
        return array_task_ids(self.array)[0] if self.array else ()

    def begin_timestamp(self) -> int | None:
        """``begin_time`` as a Unix time (a delay counts from now)."""
        return None if self.begin_time is None else _begin_time(self.begin_time)


def _begin_time(value: Any) -> int:
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"begin_time: a delay must not be negative, not {value}")
        return math.ceil(datetime.now(UTC).timestamp() + value.total_seconds())
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("begin_time must be timezone-aware (e.g. datetime.now(UTC))")
        return math.ceil(value.timestamp())
    raise TypeError(f"begin_time must be a datetime or a timedelta, not {value!r}")

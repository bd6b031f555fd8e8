"""Acting on the controller: what the writes of :class:`~slurmlib.Cluster` share.

The writes are Cluster's own methods, grouped by what they act on, one mixin of Cluster
each:

- :mod:`slurmlib._control_jobs`: submit, will_run, cancel, signal, hold, release, requeue,
  suspend, resume, update_job;
- :mod:`slurmlib._control_nodes`: drain, resume_nodes, down, update_node;
- :mod:`slurmlib._control_reservations`: create, update and delete a reservation;
- :mod:`slurmlib._control_partitions`: create, update and delete a partition.

A method's signature is the public one and its body is the implementation: no keyword is
handed on to another layer. Every write checks all of its input first (``ValueError`` or
``TypeError`` naming the argument, :mod:`slurmlib._validate`), and only then builds the
request (its buffers held by :class:`~slurmlib._cbuffers.CBuffers`) and calls libslurm
under ``native.api_lock``. The controller's refusals come back as the typed exceptions of
:mod:`slurmlib.errors`, with Slurm's own message.

The keywords a ``create_*`` and its ``update_*`` share are described once, as a table of
:class:`Setting` (the keyword, the request's field it fills, how its value is checked and
converted). Both methods hand their arguments to :func:`settings` and the request is
filled by :func:`fill`; :func:`check_keywords` stops the import if a method's keywords and
its table ever differ.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import native
from ._cbuffers import CBuffers
from ._validate import check_names, time_limit_minutes
from .convert import Unlimited
from .native import capabilities, ffi, lib

__all__ = [
    "Setting",
    "c_minutes",
    "call",
    "call_with_array_answer",
    "check_keywords",
    "comma_names",
    "constants",
    "fill",
    "settings",
]

_INFINITE = int(lib.INFINITE)


# --- values -------------------------------------------------------------------------------


def c_minutes(field: str, value: object) -> int:
    """Whole minutes (``timedelta``, int or UNLIMITED) as Slurm's uint32 (INFINITE)."""
    minutes = time_limit_minutes(field, value)
    return _INFINITE if isinstance(minutes, Unlimited) else minutes


def comma_names(field: str, value: object) -> str:
    """One name or several as Slurm's comma list (``"node[1-2]"``, ``["a", "b"]``)."""
    return ",".join(check_names(field, value))


def constants(prefix: str, names: Iterable[str]) -> dict[str, int]:
    """Name → value for the constants ``prefix + name`` this Slurm release defines."""
    return {
        name: int(getattr(lib, prefix + name))
        for name in names
        if capabilities.has_constant(prefix + name)
    }


# --- the keywords of a request, described once ---------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One keyword of a write: the request's field it fills, and how.

    ``convert(keyword, value)`` checks the value (raising ``TypeError``/``ValueError`` that
    name the keyword) and returns what the field gets: text (a copy the request's buffers
    hold) or a number. Several keywords may set bits of one number (a flags field): their
    numbers are or-ed.
    """

    keyword: str
    field: str
    convert: Callable[[str, Any], str | int]


def settings(table: Iterable[Setting], arguments: Mapping[str, Any]) -> dict[str, str | int]:
    """Field → converted value for the keywords of ``table`` given in ``arguments`` (a
    method's own arguments); ``None`` is "not given". Everything is checked before any of
    it reaches C."""
    fields: dict[str, str | int] = {}
    for setting in table:
        value = arguments[setting.keyword]
        if value is None:
            continue
        converted = setting.convert(setting.keyword, value)
        earlier = fields.get(setting.field)
        if isinstance(earlier, int) and isinstance(converted, int):
            converted |= earlier
        fields[setting.field] = converted
    return fields


def fill(msg: Any, buffers: CBuffers, fields: Mapping[str, str | int]) -> None:
    """Set the fields of a request struct: text as a copy held by ``buffers``."""
    for field, value in fields.items():
        setattr(msg, field, buffers.text(value) if isinstance(value, str) else value)


def check_keywords(method: Callable[..., Any], table: Iterable[Setting]) -> None:
    """Refuse (at import) a method whose keyword-only parameters are not its table's."""
    signature = inspect.signature(method)
    keywords = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
    described = [s.keyword for s in table]
    if keywords != described:
        raise TypeError(
            f"{method.__qualname__} takes the keywords {keywords}, but its settings describe "
            f"{described}: the signature and the table must list the same, in one order"
        )


# --- calling ------------------------------------------------------------------------------


def call(what: str, function: Callable[[], int]) -> None:
    """One call under ``api_lock``; its failure raised as the typed error."""
    with native.api_lock:
        native.check(function(), what)


def call_with_array_answer(what: str, function: Callable[[Any], int]) -> None:
    """Calls that answer per array task: any task's error is raised, naming the task."""
    with native.api_lock:
        out = ffi.new("job_array_resp_msg_t **")
        rc = function(out)
        answer = out[0]
        failed: tuple[int, str] | None = None
        if answer != ffi.NULL:
            try:
                for i in range(int(answer.job_array_count)):
                    code = int(answer.error_code[i])
                    if code and failed is None:
                        task = answer.job_array_id[i]
                        failed = (code, ffi.string(task).decode() if task != ffi.NULL else "")
            finally:
                lib.slurm_free_job_array_resp(answer)
        native.check(rc, what)
        if failed is not None:
            raise native.error_for(failed[0], f"{what} (job {failed[1]})")

"""GRES and GPU counts out of the strings Slurm writes them in, and checks of GPU requests.

Pure Python (no libslurm): the readers, the CLI views and :mod:`slurmlib.jobspec` use it.

Keys are GRES names as sbatch takes them, without the count: ``"gpu"`` for GPUs of no
type, ``"gpu:a100"`` for typed ones. Where Slurm writes them:

- a node's ``gres`` / ``gres_used`` (``sinfo -O Gres,GresUsed``):
  ``"gpu:a100:4(S:0-1)"``, ``"gpu:a100:2(IDX:0,2),gpu:v100:0(IDX:N/A)"``;
- a job's ``tres_per_job/node/task/socket``: ``"gres:gpu:a100:1"`` (22.05),
  ``"gres/gpu:1"`` (23.02 on), with other TRES (``"cpu=2"``, 23.02 on) beside them;
- TRES (a job's or node's allocated TRES): ``"gres/gpu=2"``, ``"gres/gpu:a100=2"``; the
  typed ones only where ``AccountingStorageTRES`` lists ``gres/gpu:TYPE``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._frozen import EMPTY, FrozenMap

__all__ = [
    "check_gpu_count",
    "check_gres",
    "gpu_count",
    "gpu_request",
    "gpu_type",
    "gpus_by_type",
    "gres_counts",
]

_COUNT_SUFFIX = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def _count(text: str) -> int | None:
    """``"4"``, ``"2K"`` → the count; None for anything else."""
    match = re.fullmatch(r"(\d+)([KMGT]?)", text)
    if not match:
        return None
    return int(match[1]) * _COUNT_SUFFIX[match[2]]


def _outside_parentheses(text: str) -> list[str]:
    """``"gpu:2(IDX:0,2),mps:100"`` split at the commas outside parentheses."""
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [item for item in items if item]


def gres_counts(text: str | None) -> FrozenMap[str, int]:
    """A node's ``gres`` or ``gres_used``: ``"gpu:a100:4(S:0-1)"`` → ``{"gpu:a100": 4}``.

    A GRES without a count (``"gpu:a100"``) counts 1, as Slurm reads it.
    """
    counts: dict[str, int] = {}
    if not text or text == "(null)":
        return EMPTY
    for item in _outside_parentheses(text):
        spec = item.split("(", 1)[0]
        parts = spec.split(":")
        amount = _count(parts[-1]) if len(parts) > 1 else None
        if amount is not None:
            parts = parts[:-1]
        name = ":".join(parts)
        if name:
            counts[name] = counts.get(name, 0) + (1 if amount is None else amount)
    return FrozenMap(counts)


def gpu_request(text: str | None) -> FrozenMap[str, int]:
    """The GPUs of a job's ``tres_per_*`` string: ``"gres:gpu:a100:1,cpu=2"`` →
    ``{"gpu:a100": 1}``; other GRES and TRES are left out."""
    wanted: dict[str, int] = {}
    if not text:
        return EMPTY
    for item in text.split(","):
        for prefix in ("gres/", "gres:"):
            if item.startswith(prefix):
                item = item[len(prefix) :]
                break
        else:
            continue
        name, sep, amount_text = item.partition("=")
        if sep:
            parts = name.split(":")
        else:
            parts = item.split(":")
            amount_text = parts.pop() if len(parts) > 1 else "1"
        if parts[0] != "gpu":
            continue
        amount = _count(amount_text)
        if amount is None:
            continue
        key = ":".join(parts)
        wanted[key] = wanted.get(key, 0) + amount
    return FrozenMap(wanted)


def gpu_count(tres: Mapping[str, int]) -> int:
    """GPUs in a TRES mapping (``gres/gpu``), 0 when it has none."""
    return tres.get("gres/gpu", 0)


def gpus_by_type(tres: Mapping[str, int]) -> FrozenMap[str, int]:
    """Typed GPUs in a TRES mapping: ``{"gres/gpu:a100": 2}`` → ``{"gpu:a100": 2}``."""
    return FrozenMap(
        (key[len("gres/") :], value)
        for key, value in tres.items()
        if key.startswith("gres/gpu:") and value
    )


def gpu_type(key: str) -> str | None:
    """``"gpu:a100"`` → ``"a100"``; ``"gpu"`` → None."""
    return key.split(":", 1)[1] if ":" in key else None


# --- checks of what a job asks for ---------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][\w.\-]*")
# Types may start with digits (MIG profiles: "1g.5gb"), but a type of digits only is a count.
_TYPE = re.compile(r"\d*[A-Za-z_][\w.\-]*")


def check_gres(field: str, text: str) -> str:
    """``text`` if every item is ``NAME[:TYPE][:COUNT]`` (count a whole number, with an
    optional K/M/G/T), else ``ValueError`` naming the field and the item."""
    for item in text.split(","):
        parts = item.split(":")
        bad = not item or len(parts) > 3 or not _NAME.fullmatch(parts[0])
        if not bad and len(parts) == 3:
            bad = not _TYPE.fullmatch(parts[1]) or _count(parts[2]) is None
        elif not bad and len(parts) == 2:
            bad = _count(parts[1]) is None and not _TYPE.fullmatch(parts[1])
        if bad:
            raise ValueError(
                f"{field}: {item!r} is not NAME[:TYPE][:COUNT] with COUNT a whole number "
                f"(in {text!r})"
            )
    return text


def check_gpu_count(field: str, value: object) -> str:
    """A GPU count as ``--gpus`` and its kin take it: ``2``, ``"2"``, ``"a100:2"``,
    ``"a100:1,v100:1"``, or a mapping type → count; as Slurm's text."""
    if isinstance(value, bool):
        raise TypeError(f"{field} must be a count or text like 'a100:2', not {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"{field} must be at least 1, not {value}")
        return str(value)
    if isinstance(value, Mapping):
        if not value:
            raise ValueError(f"{field} must not be empty")
        items = []
        for kind, amount in value.items():
            if not isinstance(kind, str) or not _TYPE.fullmatch(kind):
                raise ValueError(f"{field}: {kind!r} is not a GPU type")
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 1:
                raise ValueError(f"{field}: the count of {kind!r} must be at least 1")
            items.append(f"{kind}:{amount}")
        return ",".join(items)
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a count or text like 'a100:2', not {value!r}")
    for item in value.split(","):
        kind, sep, amount_text = item.rpartition(":")
        amount = _count(amount_text)
        if amount is None or amount < 1 or (sep and not _TYPE.fullmatch(kind)):
            raise ValueError(
                f"{field}: {item!r} is not [TYPE:]COUNT with COUNT at least 1 (in {value!r})"
            )
    return value

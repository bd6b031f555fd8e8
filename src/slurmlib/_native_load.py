"""Loading slurmlib's compiled bindings, and with them libslurm: the one module that imports
``slurmlib._slurm``.

Everything else reaches the bindings through :mod:`slurmlib.native`, which re-exports
``ffi`` and ``lib`` from here. Loading is where a Slurm that moved or changed shows first,
so this module also says, in one message, what the dynamic loader did not find and what to
do; and it holds the version facts: the Slurm release the bindings were built against and
the API of the libslurm loaded now (:class:`~slurmlib.errors.SlurmVersionMismatch` at
import when they disagree).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from .errors import SlurmVersionMismatch

__all__ = [
    "BUILD_INFO",
    "built_release",
    "built_soname",
    "built_version",
    "ffi",
    "lib",
    "load_failure",
    "loaded_api_version",
]


def _link_facts() -> dict[str, Any]:
    """What the build recorded beside the extension: the libslurm it linked and the
    run-path it gave the extension (readable when the extension itself cannot load)."""
    try:
        facts: dict[str, Any] = json.loads((Path(__file__).parent / "_link.json").read_text())
    except (OSError, ValueError):
        return {}
    return facts


def load_failure(error: str, link: dict[str, Any]) -> str:
    """The message for an extension that the dynamic loader refused: which file it looked
    for, where, and what to do about it."""
    soname = link.get("soname", "libslurm.so")
    if "libslurm" not in error or not link:
        return (
            f"slurmlib's compiled bindings cannot be loaded: {error}. Rebuild slurmlib against "
            "the installed Slurm (pip install --force-reinstall --no-cache-dir .)"
        )
    where = [*link.get("run_path", []), "the loader's default directories"]
    if os.environ.get("LD_LIBRARY_PATH"):
        where.insert(0, f"LD_LIBRARY_PATH ({os.environ['LD_LIBRARY_PATH']})")
    return (
        f"slurmlib's bindings need {soname}, which the dynamic loader did not find ({error}). "
        f"They were linked with {link.get('library')} and look for it in {', '.join(where)}. "
        f"If Slurm moved, set LD_LIBRARY_PATH to the directory that now holds {soname}; if "
        "Slurm was upgraded or removed, rebuild slurmlib against the installed one "
        "(SLURM_PREFIX=... pip install --force-reinstall --no-cache-dir .)"
    )


# Slurm's plugins are not linked against libslurm: they find slurm_* symbols in the global
# namespace. The extension (and libslurm with it) must therefore be loaded RTLD_GLOBAL.
_flags = sys.getdlopenflags()
sys.setdlopenflags(_flags | os.RTLD_GLOBAL)
try:
    from ._slurm import ffi, lib
except ModuleNotFoundError as exc:
    raise ImportError(
        "slurmlib's bindings are not built: install slurmlib with pip (pip install .), which "
        "generates them from this machine's Slurm headers"
    ) from exc
except ImportError as exc:
    raise SlurmVersionMismatch(load_failure(str(exc), _link_facts())) from exc
finally:
    sys.setdlopenflags(_flags)

BUILD_INFO: dict[str, Any] = json.loads(ffi.string(lib.slurmlib_build_info()).decode())


def built_version() -> tuple[int, int, int]:
    """The Slurm release of the headers slurmlib was built against, e.g. ``(22, 5, 8)``."""
    number = int(BUILD_INFO["slurm_version_number"])
    return (number >> 16, (number >> 8) & 0xFF, number & 0xFF)


def built_release() -> str:
    """The same as text, the way Slurm writes it: ``"22.05.8"``."""
    return str(BUILD_INFO["slurm_release"])


def built_soname() -> int:
    """The ``N`` of the ``libslurm.so.N`` slurmlib was linked with."""
    return int(BUILD_INFO["soname_major"])


def loaded_api_version() -> int:
    """The API number of the libslurm loaded now (its soname's ``N``)."""
    return int(lib.slurm_api_version()) >> 16


def _check_loaded_library(built: int, loaded: int) -> None:
    if built != loaded:
        raise SlurmVersionMismatch(
            f"slurmlib was built against libslurm.so.{built} (Slurm {built_release()}) but "
            f"the libslurm loaded now has API {loaded}: Slurm changed underneath; rebuild "
            "slurmlib against the installed Slurm (pip install --force-reinstall "
            "--no-cache-dir .)"
        )


_check_loaded_library(built_soname(), loaded_api_version())

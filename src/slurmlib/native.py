"""The native layer: slurmlib's compiled bindings and what every higher layer needs from C.

Everything in slurmlib reaches C through this module (and so can a program, where the safe
API does not cover a call yet). It gathers, from the modules beside it:

- ``ffi`` and ``lib``: the cffi module generated at build time from the installed headers
  (every function the headers declare and libslurm exports, every struct, enum and macro),
  and the version facts ``BUILD_INFO``, :func:`built_version`, :func:`built_release`,
  :func:`built_soname`, :func:`loaded_api_version` (``_native_load``, the one importer of
  the compiled module);
- :data:`capabilities`, so that code asks "does this field exist" rather than comparing
  version numbers (``_native_capabilities``);
- ``libslurm_logger`` (the ``logging.Logger`` "slurmlib.libslurm", where libslurm's log
  lines go at their own level once :func:`init` has run) and :func:`take_libslurm_log`:
  libslurm's log lines, kept from the caller's stderr (``_native_log``);
- :func:`check`, :func:`error_for`, :func:`errno_name`: a non-zero return code becomes the
  typed exception of ``errors.py`` (``_native_errors``);
- :func:`init` and the process's library state: ``slurm_init`` once per process, after
  making sure that Slurm will not ``fatal()`` — which would exit the whole interpreter — on
  the configuration it is given; ``slurm_fini`` at exit; :data:`api_lock`
  (``_native_init``);
- two C helpers for programs (the command line, the exporter), below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _log
from ._native_capabilities import Capabilities, capabilities
from ._native_errors import check, errno_name, error_for
from ._native_init import (
    DEFAULT_CONFIG_PATHS,
    api_lock,
    close_before_fini,
    finalised,
    init,
    initialised_config,
)
from ._native_load import (
    BUILD_INFO,
    built_release,
    built_soname,
    built_version,
    ffi,
    lib,
    loaded_api_version,
)
from ._native_log import LIBSLURM_LOGGER, take_libslurm_log

if TYPE_CHECKING:
    import logging

__all__ = [
    "BUILD_INFO",
    "DEFAULT_CONFIG_PATHS",
    "Capabilities",
    "api_lock",
    "built_release",
    "built_soname",
    "built_version",
    "capabilities",
    "check",
    "close_before_fini",
    "errno_name",
    "error_for",
    "ffi",
    "finalised",
    "init",
    "initialised_config",
    "join_rows",
    "lib",
    "libslurm_logger",  # noqa: F822 (made when first asked for, by __getattr__)
    "loaded_api_version",
    "merge_frees_at_once",
    "take_libslurm_log",
]


def __getattr__(name: str) -> logging.Logger:
    # ``libslurm_logger``: made when first asked for, as the logging import is (see _log).
    if name == "libslurm_logger":
        return _log.logger(LIBSLURM_LOGGER)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- C helpers for programs (the command line, the exporter) ------------------------------


def merge_frees_at_once() -> bool:
    """Have glibc merge freed small blocks at once (no "fast bins", ``M_MXFAST`` 0) for the
    rest of the process; False where that is not available (other C libraries, newer glibc).

    A load of 50,000 jobs frees ~1.5 million small blocks; with fast bins, whatever the
    program does next pays ~30 ms to merge them. A whole-process setting: for a program
    to choose, never done by the library itself.
    """
    from ._assemble import no_fast_bins

    return no_fast_bins()


def join_rows(
    rows: list[Any],
    getters: tuple[str | list[Any], ...],
    memos: tuple[Any, ...],
    pieces: tuple[str, ...],
    sep: str,
) -> str:
    """One text for many rows, made in C: each row is ``pieces`` with a value between each
    two of them, and the rows are joined by ``sep``.

    Value ``i`` of a row comes from ``getters[i]``, an attribute name or a list of one value
    per row; ``memos[i]`` turns it into text: a mapping is subscripted with it (a dict
    subclass may fill itself in ``__missing__``), a callable is called with it (None is
    ``null`` without a call), and with None an int is printed in decimal, a str put as it
    is. ``slurmlib top --json`` writes the text of 50,000 jobs this way.
    """
    from ._assemble import join

    return join(rows, getters, memos, pieces, sep)

"""slurmlib's loggers.

A program that uses the library has :mod:`logging` imported when libslurm is initialised
(:func:`prepare`): a daemon that loads slurmlib and then gives up its privileges may no
longer be able to read the interpreter's library when the first line comes. The command
line, which never changes its user, leaves the import (a few ms of every subcommand's
start-up) to the first logger that is needed (:func:`defer`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

__all__ = ["defer", "logger", "prepare"]

_lock = threading.Lock()
_ready = False
_deferred = False


def defer() -> None:
    """Leave the ``logging`` import to the first logger asked for (the command line)."""
    global _deferred
    _deferred = True


def prepare() -> None:
    """Import ``logging`` now, unless :func:`defer` was called."""
    if not _deferred:
        logger("slurmlib")


def logger(name: str) -> logging.Logger:
    """The logger ``name`` (under ``slurmlib``)."""
    global _ready
    import logging

    if not _ready:
        with _lock:
            if not _ready:
                # A library's loggers say nothing until the program configures logging
                # (without this, logging's last resort would print warnings and errors to
                # stderr after all).
                logging.getLogger("slurmlib").addHandler(logging.NullHandler())
                _ready = True
    return logging.getLogger(name)

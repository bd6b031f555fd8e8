"""slurmlib's loggers, made when first asked for.

Importing :mod:`logging` (with the modules it pulls in) costs a subcommand's start-up more
than a few of its own modules, and most programs never see a line from slurmlib: the
loggers, and the ``logging`` import, wait for the first one that is needed.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

__all__ = ["logger"]

_lock = threading.Lock()
_ready = False


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

"""The ``slurmlib`` command: diagnostic utilities built on slurmlib's public API."""

from __future__ import annotations

import argparse
import functools
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..errors import SlurmError
from . import clusters

Handler = Callable[[argparse.Namespace], int]

# Each command's module is imported only when that command runs: importing all of them
# would cost every command the others' start-up (a tenth of a second or so).
COMMANDS = {
    "nodes": "what is free right now, per partition, feature and node",
    "limits": "usage against every limit that applies, and which binds first",
    "exporter": "serve Slurm's state as Prometheus metrics",
    "health": "the cluster at a glance; exit status for monitoring",
    "why": "why a pending job is not running, in plain words",
    "top": "a live view of the queue and the nodes",
    "eff": "job efficiency from accounting: CPU, memory and time used vs requested",
}


_kept: list[object] | None = None
"""What :func:`keep` leaves to the exit: a list only in the ``slurmlib`` command."""


def keep(*objects: object) -> None:
    """Leave ``objects`` (a Cluster and its snapshots) for the process's exit to reclaim.

    A one-shot command that loaded a queue of 50,000 jobs spends ~75 ms freeing its records
    one by one when they go out of scope, work that the end of the process does at once.
    The ``slurmlib`` command (:func:`command`) keeps them and ends with ``os._exit``; when
    :func:`main` is called from Python, nothing is kept, since the caller's process goes on.
    """
    if _kept is not None:
        _kept.extend(objects)


def _version(args: argparse.Namespace) -> int:
    from .. import native

    facts = {
        "slurmlib": __import__("slurmlib").__version__,
        "built_against": native.built_release(),
        "libslurm_soname": native.built_soname(),
        "loaded_api": native.loaded_api_version(),
        "include_dir": native.BUILD_INFO["include_dir"],
        "bound": native.BUILD_INFO["bound"],
        # Each declaration of the headers that is not bound, with why ({name, kind, reason}).
        "omitted": native.BUILD_INFO["omitted"],
        # The C names the Python layer uses that a capability question guards, with where.
        "gated": native.BUILD_INFO["c_names"]["gated"],
    }
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        print(
            f"slurmlib {facts['slurmlib']}, built against Slurm {facts['built_against']} "
            f"(libslurm.so.{facts['libslurm_soname']}, headers in {facts['include_dir']})"
        )
        bound = facts["bound"]
        assert isinstance(bound, dict)
        print("bound: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in bound.items()))
        omitted, gated = native.BUILD_INFO["omitted"], native.BUILD_INFO["c_names"]["gated"]
        print(f"left out: {len(omitted)} declarations (listed with why by `--json`)")
        print(
            f"checked at build: {native.BUILD_INFO['c_names']['uses']} uses of C names by the "
            f"Python layer, {len(gated)} of them behind a capability (listed by `--json`)"
        )
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors are one line on stderr (exit 2), like the commands'
    own: ``slurmlib health: error: argument --top: must be at least 0, not '-1'``."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse makes a formatter for every add_argument, and its default asks shutil
        # for the terminal's width: importing shutil (and the compression modules it
        # imports) was a tenth of a subcommand's start-up.
        make: Callable[..., argparse.HelpFormatter] = self.formatter_class
        return make(prog=self.prog, width=_help_width())


@functools.cache
def _help_width() -> int:
    """The width argparse would use (shutil's rule): $COLUMNS, else the terminal's, else
    80; less 2."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return (columns if columns > 0 else 80) - 2


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with the options of ``command`` only (the others are listed)."""
    # Sub-commands' parsers are made of the same class (argparse's add_subparsers).
    parser = _Parser(
        prog="slurmlib",
        description="Answers about a Slurm cluster, straight from Slurm's C API.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    version = sub.add_parser(
        "version",
        help="the Slurm slurmlib was built against and what it binds",
        description="Show the Slurm release slurmlib was built against and what it binds.",
        epilog="example: slurmlib version --json",
    )
    version.add_argument("--json", action="store_true", help="machine-readable output")
    version.set_defaults(handler=_version)
    for name, summary in COMMANDS.items():
        if name == command:
            importlib.import_module(f"{__name__}.{name}").add_parser(sub, summary)
            if name != "exporter":  # the exporter polls its clusters side by side itself
                clusters.add_option(sub.choices[name])
        else:
            sub.add_parser(name, help=summary)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word, there being no global options)."""
    words = [word for word in argv if not word.startswith("-")]
    return words[0] if words else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``slurmlib`` command line ``argv`` (default ``sys.argv[1:]``) in this process.

    Returns the exit status: the command's own, 2 for a bad value (``ValueError`` or
    ``TypeError``), 1 for a Slurm error or missing bindings, 130 on Ctrl-C; each error is
    one line on stderr. Arguments argparse refuses (and ``--help``) raise ``SystemExit``.
    Called from Python, it keeps nothing for the exit (see :func:`keep`).
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _command(argv)
    parser = build_parser(command)
    args = parser.parse_args(argv)
    try:
        from .. import _log, native

        _log.defer()  # a command never changes its user: logging waits for its first line
        # Frees of small blocks merged at once: what a load of the queue leaves behind then
        # costs its next command nothing (~30 ms for 50,000 jobs).
        native.merge_frees_at_once()
        if hasattr(args, "runner"):
            return clusters.run(args.runner, args)
        handler: Handler = args.handler
        return handler(args)
    except (ValueError, TypeError) as exc:
        print(f"slurmlib {args.command}: {exc}", file=sys.stderr)
        return 2
    except SlurmError as exc:
        print(f"slurmlib {args.command}: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"slurmlib: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (| head): not an error; keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def command() -> NoReturn:
    """The ``slurmlib`` command: :func:`main`, then an exit that frees nothing.

    Past this point nothing of the process is needed: its output is flushed, and the
    interpreter's teardown (freeing what :func:`keep` kept, every module, Slurm's
    configuration through ``slurm_fini``) would only delay the answer.
    """
    global _kept
    _kept = []
    code = main()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        code = 0  # the reader went away (| head), as main() treats it
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    command()

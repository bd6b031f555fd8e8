"""The ``slurmlib`` command: diagnostic utilities built on slurmlib's public API."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from ..errors import SlurmError
from . import eff, exporter, health, limits, nodes, top, why
from .output import Output

Handler = Callable[[argparse.Namespace], int]


def _version(args: argparse.Namespace) -> int:
    from .. import native

    facts = {
        "slurmlib": __import__("slurmlib").__version__,
        "built_against": native.built_release(),
        "libslurm_soname": native.built_soname(),
        "loaded_api": native.loaded_api_version(),
        "include_dir": native.BUILD_INFO["include_dir"],
        "bound": native.BUILD_INFO["bound"],
        "omitted": len(native.BUILD_INFO["omitted"]),
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
        print(f"left out: {facts['omitted']} declarations (see `slurmlib version --json`)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    nodes.add_parser(sub)
    limits.add_parser(sub)
    exporter.add_parser(sub)
    health.add_parser(sub)
    why.add_parser(sub)
    top.add_parser(sub)
    eff.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if hasattr(args, "runner"):
            return int(args.runner(args, Output()))
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


if __name__ == "__main__":
    sys.exit(main())

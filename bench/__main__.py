"""``python -m bench`` (``make bench``): every benchmark in one run, then ``results.md``.

    python -m bench [--quick] [--runs N] [--out bench/results.md] [--no-scaling] [--no-ffi]
                    [--others bench.db,bench.exporter] [--reuse bench/results.json]

On the cluster of ``SLURM_CONF`` (``make bench``: the site-sized one of
``scripts/cluster up --scale``): import and build times (``bench.ffi``), slurmlib against
the bare RPC and Slurm's tools (``bench.controller``), the queue-length scaling on a
throw-away cluster (``bench.scaling``), and the other engineers' benchmarks that exist
(``bench.db``, ``bench.submit``, ``bench.exporter``), whose output is copied into the report.

``--quick`` (what the test suite runs): 3 runs, no build timing, queues of 100 and 300
jobs for the scaling, and the other benchmarks skipped. Nothing here asserts a time.

``--others`` runs only those of the other benchmarks. ``--reuse FILE``: what this run does
not measure (the scaling with ``--no-scaling``, import and build times with ``--no-ffi``,
the other benchmarks not run) is taken from the results of an earlier run, and the report
says which parts and from when.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import controller, report, scaling

HERE = Path(__file__).resolve().parent
OTHERS = ("bench.db", "bench.submit", "bench.exporter", "bench.outputs")


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024**2
    except OSError:
        pass
    return 0.0


def _os() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def _state() -> tuple[str, dict[str, Any]]:
    """What the cluster holds, counted with Slurm's own tools, and its seed.json."""
    conf = Path(os.environ.get("SLURM_CONF", ""))
    seed_path = conf.parent.parent / "seed.json"
    seed = json.loads(seed_path.read_text()) if seed_path.is_file() else {}

    def count(argv: list[str]) -> int:
        done = subprocess.run(argv, capture_output=True, text=True)
        return len(done.stdout.splitlines()) if done.returncode == 0 else -1

    gres = dict(
        line.split(None, 1)
        for line in subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%N %G"], capture_output=True, text=True
        ).stdout.splitlines()
        if line.strip()
    )
    nodes = len(gres)
    with_gres = sum(1 for value in gres.values() if value.strip() not in ("", "(null)"))
    jobs = count(["squeue", "-h", "-o", "%i"])
    users = count(["sacctmgr", "-n", "-P", "list", "user"])
    accounts = count(["sacctmgr", "-n", "-P", "list", "account"])
    finished = seed.get("accounting_history_jobs")
    text = f"{nodes:,} nodes ({with_gres:,} with GRES), {jobs:,} jobs in the queue"
    gpu_jobs = sum(n for kind, n in (seed.get("pending_kinds") or {}).items() if kind[:4] == "gpu_")
    if gpu_jobs:
        text += f" ({gpu_jobs:,} of the seeded pending ones ask for GPUs)"
    text += f", {users} users in {accounts} accounts"
    if finished:
        text += f", {finished:,} finished jobs in accounting"
    if seed.get("seed_seconds"):
        text += f" (seeded in {seed['seed_seconds']} s)"
    return text, seed


def _slurm_version() -> str:
    done = subprocess.run(["scontrol", "show", "config"], capture_output=True, text=True)
    for line in done.stdout.splitlines():
        if line.startswith("SLURM_VERSION"):
            return line.split("=", 1)[1].strip()
    return "unknown"


def _run_json(argv: list[str]) -> Any:
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(done.stdout)


def _compile_bytecode() -> None:
    """Every module's bytecode, as an installed slurmlib has it: a whole-process figure
    must not include compiling the sources (an editable checkout under
    PYTHONDONTWRITEBYTECODE would compile them in every process)."""
    import compileall

    import slurmlib

    compileall.compile_dir(str(Path(slurmlib.__file__).parent), quiet=1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--out",
        type=Path,
        help="the report (default: bench/results.md; build/bench-quick/results.md with --quick)",
    )
    parser.add_argument("--no-scaling", action="store_true")
    parser.add_argument("--no-ffi", action="store_true", help="no import and build times")
    parser.add_argument(
        "--others", help=f"which of the other benchmarks to run (default: {','.join(OTHERS)})"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        help="an earlier run's results JSON: what this run skips is copied from it, and said so",
    )
    parser.add_argument(
        "--sizes", help="queue lengths of the scaling (default 1000,10000,50000,100000)"
    )
    args = parser.parse_args()
    if args.out is None:
        args.out = (
            HERE.parent / "build" / "bench-quick" / "results.md"
            if args.quick
            else HERE / "results.md"
        )
    others = OTHERS if args.others is None else tuple(args.others.split(","))
    unknown = set(others) - set(OTHERS)
    if unknown:
        parser.error(f"--others: not one of {', '.join(OTHERS)}: {', '.join(sorted(unknown))}")
    earlier = json.loads(args.reuse.read_text()) if args.reuse else None
    if not os.environ.get("SLURM_CONF"):
        raise SystemExit("bench: set SLURM_CONF to the cluster to measure (make bench does)")
    started = time.monotonic()
    runs = 3 if args.quick else args.runs
    _compile_bytecode()
    state_text, seed = _state()
    from slurmlib import native

    results: dict[str, Any] = {
        "meta": {
            "command": " ".join(["python -m bench", *sys.argv[1:]]),
            "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "cpu": _cpu(),
            "cores": os.cpu_count(),
            "memory_gib": _memory_gib(),
            "os": _os(),
            "python": platform.python_version(),
            "slurm_version": _slurm_version(),
            "built_release": native.built_release(),
            "cluster": seed.get("cluster", "?"),
            "slurm_conf": os.environ["SLURM_CONF"],
            "state": state_text,
            "runs": runs,
        }
    }
    if not args.no_ffi:
        print("bench: import and build times", file=sys.stderr, flush=True)
        ffi_argv = [sys.executable, "-m", "bench.ffi", "--repeat", "5" if args.quick else "15"]
        results["ffi"] = _run_json([*ffi_argv, "--no-build"] if args.quick else ffi_argv)
    print("bench: slurmlib against the bare RPC and Slurm's tools", file=sys.stderr, flush=True)
    results["controller"] = controller.measure(runs, args.quick)
    if not args.no_scaling:
        sizes = [100, 300] if args.quick else list(scaling.DEFAULT_SIZES)
        if args.sizes:
            sizes = [int(size) for size in args.sizes.split(",")]
        print(
            f"bench: scaling at {sizes} jobs on a throw-away cluster", file=sys.stderr, flush=True
        )
        try:
            results["scaling"] = scaling.measure(sizes, 3)
            results["scaling"]["note"] = (
                "held single-CPU jobs submitted through libslurm, 3 runs each"
            )
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            results["scaling"] = {"error": str(exc)}
    results["others"] = {}
    if not args.quick:
        for module in others:
            if importlib.util.find_spec(module) is None:
                continue
            print(f"bench: {module}", file=sys.stderr, flush=True)
            done = subprocess.run([sys.executable, "-m", module], capture_output=True, text=True)
            results["others"][module] = (
                done.stdout if done.returncode == 0 else f"failed: {done.stderr[-2000:]}"
            )
    results["meta"]["bench_seconds"] = round(time.monotonic() - started)
    if earlier is not None:
        # Each part copied says the run it was measured in (an earlier copy keeps its own).
        before = earlier["meta"]
        carried = before.get("reused") or {}
        reused: dict[str, dict[str, str]] = {}

        def origin(part: str) -> dict[str, str]:
            return carried.get(part) or {"date": before["date"], "state": before["state"]}

        if "ffi" not in results and earlier.get("ffi"):
            results["ffi"] = earlier["ffi"]
            reused["ffi"] = origin("ffi")
        if "scaling" not in results and earlier.get("scaling"):
            results["scaling"] = earlier["scaling"]
            reused["scaling"] = origin("scaling")
        for module, output in (earlier.get("others") or {}).items():
            if module not in results["others"] and not args.quick:
                results["others"][module] = output
                reused[module] = origin(module)
        if reused:
            results["meta"]["reused"] = reused
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n")
    report.write(results, args.out)
    print(f"bench: wrote {args.out} in {results['meta']['bench_seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

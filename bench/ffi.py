"""Build time of the generated module and import time of slurmlib.

    python -m bench.ffi [--repeat N] [--no-build]

Import is measured in fresh interpreters (the median of N), for ``import slurmlib`` (which
must not load libslurm) and ``import slurmlib.native`` (which loads libslurm and the
extension). The build is a real ``pip wheel`` of this tree, generator and compiler included.
Target: import < 150 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
IMPORT_TARGET_MS = 150.0


def import_ms(module: str, repeat: int) -> list[float]:
    code = (
        "import time; t = time.perf_counter(); import "
        + module
        + "; print((time.perf_counter() - t) * 1000)"
    )
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(repeat)
    ]


def build_seconds() -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "-q",
                "--no-deps",
                "--no-build-isolation",
                "-w",
                out,
                str(REPO),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-build", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {}
    for module in ("slurmlib", "slurmlib.native"):
        times = import_ms(module, args.repeat)
        median = statistics.median(times)
        results[f"import {module}"] = {
            "median_ms": round(median, 1),
            "min_ms": round(min(times), 1),
            "max_ms": round(max(times), 1),
            "target_ms": IMPORT_TARGET_MS,
            "verdict": "PASS" if median < IMPORT_TARGET_MS else "MISS",
        }
    if not args.no_build:
        results["build (pip wheel, generator + compile)"] = {"seconds": round(build_seconds(), 1)}
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

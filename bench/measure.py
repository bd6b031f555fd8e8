"""One measurement = one child process: its wall time and its peak memory.

Every figure of the benchmarks comes from here. A command (``squeue --json``, ``slurmlib
nodes``, curl against slurmrestd) is timed around the child, start-up included, as a user
would wait for it. A slurmlib action runs in a ``python -m bench.probe`` child that times
only the action itself and prints the seconds; the child's peak resident memory (the
``ru_maxrss`` of ``wait4``, i.e. ``getrusage(RUSAGE_CHILDREN)`` of exactly that child)
includes the interpreter, which the report shows as its own row.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sample:
    seconds: float
    max_rss_mib: float
    output: str
    paired_seconds: float | None = None
    """A probe's figure for the reference it timed call by call in turn with its own."""
    paired_differences: list[float] | None = None
    """The differences of those pairs (its own minus the reference's)."""
    paired_cpu_differences: list[float] | None = None
    """The same in the CPU time of the probe's process."""
    pairs: tuple[int, int] | None = None
    """(pairs taken, pairs in which both calls were answered "no change")."""


def median_interval(values: Sequence[float]) -> tuple[float, float]:
    """A 95% confidence interval of the median of ``values``, from their order statistics
    (no assumption on their distribution): the ranks n/2 -+ 1.96 sqrt(n)/2."""
    ordered = sorted(values)
    n = len(ordered)
    half = 1.96 * n**0.5 / 2
    low = max(int(n / 2 - half), 0)
    high = min(int(n / 2 + half + 0.5), n - 1)
    return ordered[low], ordered[high]


class MeasureError(RuntimeError):
    pass


def run_child(
    argv: Sequence[str],
    env: dict[str, str] | None = None,
    timeout: float = 900,
    accept: Sequence[int] = (0,),
) -> Sample:
    """Run ``argv`` to the end: its wall time and standard output (peak memory: see
    :func:`isolated`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise MeasureError(f"{' '.join(argv)} took more than {timeout:.0f} s") from None
    seconds = time.perf_counter() - start
    if proc.returncode not in accept:
        said = " ".join(err.decode(errors="replace").split())[-400:]
        raise MeasureError(f"{' '.join(argv)} exited {proc.returncode}: {said}")
    return Sample(seconds, 0.0, out.decode(errors="replace"))


def isolated(
    argv: Sequence[str],
    env: dict[str, str] | None = None,
    timeout: float = 900,
    accept: Sequence[int] = (0,),
) -> Sample:
    """Run ``argv`` from a fresh runner process: ``ru_maxrss`` of RUSAGE_CHILDREN is the
    largest child a process waited for, so a runner that waits for exactly one child
    reads that child's peak memory."""
    runner = [
        sys.executable,
        "-m",
        "bench.measure",
        json.dumps(
            {"argv": list(argv), "env": env or {}, "timeout": timeout, "accept": list(accept)}
        ),
    ]
    done = subprocess.run(runner, capture_output=True, text=True, timeout=timeout + 60)
    if done.returncode != 0:
        raise MeasureError(
            done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"{argv} failed"
        )
    result = json.loads(done.stdout)
    return Sample(result["seconds"], result["max_rss_mib"], result["output"])


@dataclass
class Series:
    """Several samples of one measurement."""

    name: str
    samples: list[Sample] = field(default_factory=list)
    records: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.samples) and self.error is None

    @property
    def median(self) -> float:
        return statistics.median(s.seconds for s in self.samples)

    @property
    def low(self) -> float:
        return min(s.seconds for s in self.samples)

    @property
    def high(self) -> float:
        return max(s.seconds for s in self.samples)

    @property
    def rss_mib(self) -> float:
        return statistics.median(s.max_rss_mib for s in self.samples)

    def as_dict(self) -> dict[str, Any]:
        if not self.ok:
            return {"name": self.name, "error": self.error or "no sample"}
        row = {
            "name": self.name,
            "records": self.records,
            "runs": len(self.samples),
            "median_s": self.median,
            "min_s": self.low,
            "max_s": self.high,
            "max_rss_mib": self.rss_mib,
        }
        paired = [s.paired_seconds for s in self.samples if s.paired_seconds is not None]
        if len(paired) == len(self.samples):
            row["paired_median_s"] = statistics.median(paired)
        # The pairs of all runs pooled: one run's median of a few dozen pairs still
        # jitters by more than the tenth of a millisecond a poll target is about.
        differences = [d for s in self.samples for d in s.paired_differences or ()]
        if differences:
            row["paired_difference_median_s"] = statistics.median(differences)
            row["paired_difference_interval_s"] = median_interval(differences)
        cpu = [d for s in self.samples for d in s.paired_cpu_differences or ()]
        if cpu:
            row["paired_cpu_difference_median_s"] = statistics.median(cpu)
        counts = [s.pairs for s in self.samples if s.pairs is not None]
        if counts:
            row["paired_pairs"] = sum(taken for taken, _ in counts)
            row["paired_unchanged_pairs"] = sum(kept for _, kept in counts)
        return row


def repeat(
    name: str,
    argv: Sequence[str],
    runs: int,
    *,
    env: dict[str, str] | None = None,
    inner_timing: bool = False,
    timeout: float = 900,
    accept: Sequence[int] = (0,),
) -> Series:
    """``runs`` isolated samples; with ``inner_timing`` the child prints its own seconds
    (and records) as JSON, which replace the wall time around it."""
    series = Series(name)
    for _ in range(runs):
        try:
            sample = isolated(argv, env, timeout, accept)
        except (MeasureError, subprocess.TimeoutExpired) as exc:
            series.error = str(exc)
            break
        if inner_timing:
            reported = json.loads(sample.output)
            sample.seconds = float(reported["seconds"])
            series.records = reported.get("records")
            paired = reported.get("paired_bare_seconds")
            sample.paired_seconds = None if paired is None else float(paired)
            differences = reported.get("paired_differences_seconds")
            if differences is not None:
                sample.paired_differences = [float(d) for d in differences]
            cpu = reported.get("paired_cpu_differences_seconds")
            if cpu is not None:
                sample.paired_cpu_differences = [float(d) for d in cpu]
            if "paired_pairs" in reported:
                sample.pairs = (
                    int(reported["paired_pairs"]),
                    int(reported["paired_unchanged_pairs"]),
                )
        series.samples.append(sample)
        # A slow command is not run as often: three samples give a median and a spread.
        if len(series.samples) >= 3 and series.median > 20:
            break
    return series


def _runner(spec: dict[str, Any]) -> int:
    import resource

    sample = run_child(spec["argv"], spec["env"], spec["timeout"], spec["accept"])
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {"seconds": sample.seconds, "max_rss_mib": rss_kib / 1024, "output": sample.output}
        )
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(_runner(json.loads(sys.argv[1])))
    except MeasureError as exc:
        print(f"measure: {exc}", file=sys.stderr)
        sys.exit(1)

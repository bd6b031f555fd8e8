"""Run ``slurmlib exporter`` as a separate process and scrape it over loopback HTTP."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

SLURMLIB = [sys.executable, "-m", "slurmlib.cli"]


class Scrape:
    """One scrape, parsed with prometheus_client's own parser."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = {f.name: f for f in text_string_to_metric_families(text)}

    def values(self, name: str, *labels: str) -> dict[tuple[str, ...], float]:
        """Samples called ``name``, keyed by the values of ``labels``."""
        family = self.families.get(re.sub(r"_(total|bucket|count|sum)$", "", name))
        if family is None:
            family = self.families.get(name)
        assert family is not None, f"no family for {name}"
        return {
            tuple(s.labels[label] for label in labels): s.value
            for s in family.samples
            if s.name == name
        }

    def value(self, name: str) -> float:
        values = self.values(name)
        assert list(values) == [()], (name, values)
        return values[()]


class Exporter:
    """A running ``slurmlib exporter`` on a free loopback port."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def scrape(self, timeout: float = 10) -> Scrape:
        with urllib.request.urlopen(self.url, timeout=timeout) as response:
            assert response.status == 200
            return Scrape(response.read().decode())

    def wait_for(
        self, condition: Callable[[Scrape], bool], what: str, timeout: float = 60
    ) -> Scrape:
        deadline = time.monotonic() + timeout
        while True:
            scrape = self.scrape()
            if condition(scrape):
                return scrape
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"{what} within {timeout} s:\n{scrape.text}"
            time.sleep(0.2)

    def fresh(self, timeout: float = 60) -> Scrape:
        """A scrape of data polled after this call began (so after any command run before)."""
        since = time.time()
        return self.wait_for(
            lambda s: (
                s.families.get("slurm_exporter_last_poll_success_timestamp_seconds") is not None
                and s.value("slurm_exporter_last_poll_success_timestamp_seconds") > since
            ),
            "a complete poll",
            timeout,
        )


@contextmanager
def running_exporter(
    log: Path, *argv: str, env: dict[str, str] | None = None
) -> Iterator[Exporter]:
    """Start the exporter on 127.0.0.1, port chosen by the kernel; stop it afterwards."""
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [*SLURMLIB, "exporter", "--listen", "127.0.0.1:0", *argv],
            stdout=subprocess.DEVNULL,
            stderr=sink,
            env={**os.environ, **(env or {})},
        )
    try:
        deadline = time.monotonic() + 60
        while not (match := re.search(r"serving (http://\S+)", log.read_text())):
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the exporter never said where it listens"
            time.sleep(0.05)
        yield Exporter(process, match[1], log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_slurmlib(*argv: str, **env: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SLURMLIB, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )

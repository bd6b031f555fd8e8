"""`slurmlib exporter`'s command line: its options, its errors, and what it prints once."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from slurmlib.cli.exporter import parse_interval, parse_listen

from .scrape import Scrape, run_slurmlib


@pytest.mark.parametrize(
    "text,seconds",
    [
        ("15s", 15.0),
        ("500ms", 0.5),
        ("2m", 120.0),
        ("1h", 3600.0),
        ("30", 30.0),
        ("1.5s", 1.5),
        ("1d", 86400.0),
    ],
)
def test_interval_takes_units(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "0s", "fast", "-5s", "10 minutes", "inf", "nan", "1e400", "99999999999999h"]
)
def test_interval_that_is_not_a_positive_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--interval"):
        parse_interval(text)


@pytest.mark.parametrize(
    "text,address",
    [
        ("127.0.0.1:9341", ("127.0.0.1", 9341)),
        ("localhost:0", ("localhost", 0)),
        ("[::1]:9341", ("::1", 9341)),
        (":9341", ("0.0.0.0", 9341)),
    ],
)
def test_listen_takes_host_and_port(text: str, address: tuple[str, int]) -> None:
    assert parse_listen(text) == address


@pytest.mark.parametrize("text", ["9341", "127.0.0.1", "::1:9341", "[nope]:1", "host:70000"])
def test_listen_without_a_usable_host_and_port_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--listen"):
        parse_listen(text)


@pytest.mark.parametrize(
    "argv", [["--listen", "127.0.0.1"], ["--interval", "0s"], ["--interval", "soon"]]
)
def test_bad_options_are_one_line_and_exit_2(argv: list[str]) -> None:
    done = run_slurmlib("exporter", *argv)
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert argv[0] in done.stderr


def test_a_port_in_use_is_one_line_and_exit_1(slurm_conf: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_slurmlib("exporter", "--listen", f"127.0.0.1:{port}")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"slurmlib: exporter cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_without_prometheus_client_it_says_how_to_install_it(slurm_conf: Path) -> None:
    # A None entry in sys.modules makes `import prometheus_client` fail as if absent.
    code = (
        "import sys; sys.modules['prometheus_client'] = None; "
        "from slurmlib.cli import main; sys.exit(main(['exporter']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "slurmlib: the exporter needs prometheus_client: pip install 'slurmlib[exporter]'"
    ]


def test_without_a_configuration_it_fails_in_one_line(tmp_path: Path) -> None:
    done = run_slurmlib("exporter", "--once", SLURM_CONF=str(tmp_path / "absent.conf"))
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert "no Slurm configuration found" in done.stderr


def test_once_without_user_labels_has_no_per_user_series(slurm_conf: Path) -> None:
    with_users = run_slurmlib("exporter", "--once")
    without = run_slurmlib("exporter", "--once", "--no-user-labels")
    assert with_users.returncode == 0 and without.returncode == 0, without.stderr
    users, anonymous = Scrape(with_users.stdout), Scrape(without.stdout)
    assert any("user" in s.labels for f in users.families.values() for s in f.samples)
    for family in anonymous.families.values():
        for sample in family.samples:
            assert "user" not in sample.labels, sample
    assert "slurm_rpc_user_calls" not in anonymous.families
    # The same jobs, only not split by user.
    assert anonymous.families["slurm_jobs"].samples
    assert set(anonymous.families) == set(users.families) - {
        "slurm_rpc_user_calls",
        "slurm_rpc_user_time_seconds",
    }


def test_help_has_an_example() -> None:
    done = run_slurmlib("exporter", "--help")
    assert done.returncode == 0 and "example: slurmlib exporter --listen" in done.stdout

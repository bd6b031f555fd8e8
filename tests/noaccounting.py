"""A throw-away cluster without accounting storage: one slurmctld and one slurmd.

``AccountingStorageType=accounting_storage/none``, no slurmdbd, no TopologyPlugin (the
release's default: none or flat), ``PreemptType=preempt/qos`` (the path on which ``nodes``
asks for QoS). It borrows the live test cluster's munged (its socket, from ``SLURM_CONF``),
its plugin choices and its cgroup.conf (written for the installed release), and runs on
two free loopback ports, in a directory of its own; it is stopped, by the pids it started,
when the block ends.

libslurm keeps one configuration per process: code that talks to this cluster runs in a
child process with ``SLURM_CONF`` set to :attr:`ThrowAway.conf` (see :meth:`env`).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

NODE = "lone"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setting(conf: str, key: str) -> str:
    match = re.search(rf"^{key}=(\S+)", conf, re.MULTILINE | re.IGNORECASE)
    assert match, f"no {key} in the live cluster's slurm.conf"
    return match.group(1)


def alive(pid: int) -> bool:
    """True while the process runs (a zombie, dead but not yet reaped, is not alive)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@dataclass
class ThrowAway:
    dir: Path
    conf: Path
    slurmctld: subprocess.Popen[bytes]
    slurmd: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def controller_alive(self) -> bool:
        return self.slurmctld.poll() is None and alive(self.slurmctld.pid)

    def log(self) -> str:
        path = self.dir / "slurmctld.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _config(top: Path, live_conf: Path, ctld_port: int, node_port: int) -> str:
    live = live_conf.read_text()
    return f"""\
ClusterName=noacct
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort={ctld_port}
SlurmdPort={node_port}
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
AuthType=auth/munge
AuthInfo={_setting(live, "AuthInfo")}
SlurmUser=root
SlurmdUser=root
StateSaveLocation={top}/state
SlurmdSpoolDir={top}/spool/%n
SlurmctldPidFile={top}/slurmctld.pid
SlurmdPidFile={top}/slurmd-%n.pid
SlurmctldLogFile={top}/slurmctld.log
SlurmdLogFile={top}/slurmd-%n.log
SlurmctldDebug=info
PlugStackConfig={_setting(live, "PlugStackConfig")}
ProctrackType={_setting(live, "ProctrackType")}
TaskPlugin={_setting(live, "TaskPlugin")}
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
PreemptType=preempt/qos
PreemptMode=REQUEUE
MailProg=/bin/true
NodeName={NODE} NodeHostname=localhost NodeAddr=127.0.0.1 Port={node_port} CPUs=2 RealMemory=1024
PartitionName=debug Nodes={NODE} Default=YES MaxTime=1:00:00 State=UP
"""


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@contextlib.contextmanager
def throw_away_cluster(top: Path, live_conf: Path) -> Iterator[ThrowAway]:
    """Start the cluster under ``top``; yield once its node has registered."""
    # The spool directory (SlurmdSpoolDir, %n expanded) made beforehand: newer slurmd looks
    # for its socket directory there before it makes it, and logs an error.
    for sub in ("state", f"spool/{NODE}", "etc"):
        (top / sub).mkdir(parents=True, exist_ok=True)
    conf = top / "etc" / "slurm.conf"
    # Slurm reads cgroup.conf from beside slurm.conf. Without one, newer slurmd sets up
    # cgroups at start whatever the plugins and stops where none are mounted (a chroot);
    # the live cluster's cgroup.conf is the one written for this release.
    live_cgroup = live_conf.parent / "cgroup.conf"
    if live_cgroup.exists():
        (top / "etc" / "cgroup.conf").write_text(live_cgroup.read_text())
    conf.write_text(_config(top, live_conf, _free_port(), _free_port()))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    quiet = subprocess.DEVNULL
    ctld = subprocess.Popen(
        ["slurmctld", "-D", "-i", "-f", str(conf)], env=env, stdout=quiet, stderr=quiet
    )
    node: subprocess.Popen[bytes] | None = None
    try:
        node = subprocess.Popen(
            ["slurmd", "-D", "-N", NODE, "-f", str(conf)], env=env, stdout=quiet, stderr=quiet
        )
        cluster = ThrowAway(top, conf, ctld, node)
        deadline = time.monotonic() + 60
        while True:
            assert cluster.controller_alive(), f"slurmctld exited: {cluster.log()}"
            shown = subprocess.run(
                ["sinfo", "-h", "-N", "-o", "%T"], env=env, capture_output=True, text=True
            )
            if shown.returncode == 0 and shown.stdout.strip().startswith("idle"):
                break
            assert time.monotonic() < deadline, f"node {NODE} never became idle: {shown}"
            time.sleep(0.5)
        yield cluster
    finally:
        if node is not None:
            _stop(node)
        _stop(ctld)

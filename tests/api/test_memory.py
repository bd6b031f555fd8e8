"""Loading and freeing many times leaves the process's memory flat."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

LOOP = """
    import gc
    from slurmlib import Cluster, native
    from slurmlib.native import ffi, lib

    def rss_kib():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    cluster = Cluster()

    def raw_cycle():
        nodes = ffi.new("node_info_msg_t **")
        native.check(lib.slurm_load_node(0, nodes, lib.SHOW_ALL))
        lib.slurm_free_node_info_msg(nodes[0])
        jobs = ffi.new("job_info_msg_t **")
        native.check(lib.slurm_load_jobs(0, jobs, lib.SHOW_ALL))
        lib.slurm_free_job_info_msg(jobs[0])

    def converted_cycle():
        cluster.forget()  # every load converts again
        cluster.nodes()
        cluster.jobs()

    for _ in range(50):  # warm up allocator pools and caches
        raw_cycle()
        converted_cycle()
    gc.collect()
    start = rss_kib()
    for _ in range(2000):
        raw_cycle()
    for _ in range(200):
        converted_cycle()
    gc.collect()
    print(start, rss_kib())
"""


def test_2000_load_free_cycles_of_nodes_and_jobs_leave_rss_flat(slurm_conf: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOOP)],
        capture_output=True,
        text=True,
        timeout=900,
        env=os.environ.copy(),
    )
    assert done.returncode == 0, done.stderr
    start, end = map(int, done.stdout.split())
    assert end - start < 5 * 1024, f"RSS grew from {start} KiB to {end} KiB"

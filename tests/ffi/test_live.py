"""Raw calls through the bindings on the live cluster, each freed with its own free."""

from __future__ import annotations

from pathlib import Path

from slurmlib import native
from slurmlib.native import ffi, lib

from ..slurmtools import run, scontrol_oneliners


def test_load_ctl_conf_returns_this_clusters_name(slurm_conf: Path) -> None:
    native.init()
    out = ffi.new("slurm_conf_t **")
    native.check(lib.slurm_load_ctl_conf(0, out))
    try:
        name = ffi.string(out[0].cluster_name).decode()
        version = ffi.string(out[0].version).decode()
    finally:
        # Renamed slurm_free_conf in 26.05.
        free = getattr(lib, "slurm_free_ctl_conf", None) or lib.slurm_free_conf
        free(out[0])
    config = {}
    for line in run("scontrol", "show", "config").stdout.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            config[key.strip()] = value.strip()
    assert name == config["ClusterName"]
    assert version.startswith(native.built_release().rsplit(".", 1)[0])


def test_load_node_returns_every_node_scontrol_shows(slurm_conf: Path) -> None:
    native.init()
    out = ffi.new("node_info_msg_t **")
    native.check(lib.slurm_load_node(0, out, lib.SHOW_ALL))
    try:
        names = {
            ffi.string(out[0].node_array[i].name).decode()
            for i in range(out[0].record_count)
            if out[0].node_array[i].name != ffi.NULL
        }
    finally:
        lib.slurm_free_node_info_msg(out[0])
    reference = {record["NodeName"] for record in scontrol_oneliners("node")}
    assert len(reference) >= 1000
    assert names == reference


def test_an_unknown_job_id_comes_back_as_the_typed_error(slurm_conf: Path) -> None:
    native.init()
    out = ffi.new("job_info_msg_t **")
    job: object = 4_000_000_000
    if ffi.typeof(lib.slurm_load_job).args[1].cname == "slurm_step_id_t":
        # From 26.05 a job is named by a step id struct, passed by value.
        step = ffi.new("slurm_step_id_t *")
        for name, _ in ffi.typeof("slurm_step_id_t").fields:
            setattr(step, name, 0 if name == "sluid" else lib.NO_VAL)
        step.job_id = 4_000_000_000
        job = step[0]
    rc = lib.slurm_load_job(out, job, 0)
    try:
        native.check(rc, "loading job 4000000000")
    except LookupError as exc:
        assert "Invalid job id" in str(exc)
    else:
        raise AssertionError("loading a job that does not exist succeeded")

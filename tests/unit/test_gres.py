"""GRES and GPU counts out of Slurm's strings, and checks of what a job asks for."""

from __future__ import annotations

import pytest

from slurmlib import _gres


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("gpu:a100:4(S:0-1)", {"gpu:a100": 4}),
        ("gpu:a100:2(IDX:0,2),gpu:v100:0(IDX:N/A)", {"gpu:a100": 2, "gpu:v100": 0}),
        ("gpu:2,mps:100", {"gpu": 2, "mps": 100}),
        ("gpu:a100", {"gpu:a100": 1}),
        ("shard:1K", {"shard": 1024}),
        ("gpu:1,gpu:2", {"gpu": 3}),
        ("(null)", {}),
        ("", {}),
        (None, {}),
    ],
)
def test_a_nodes_gres_string_becomes_counts_by_name_and_type(
    text: str | None, counts: dict[str, int]
) -> None:
    assert _gres.gres_counts(text) == counts


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("gres:gpu:a100:1", {"gpu:a100": 1}),  # 22.05
        ("gres/gpu:2,cpu=2", {"gpu": 2}),  # 23.02 on
        ("gres/gpu=3", {"gpu": 3}),
        ("gres/gpu:v100=1,gres/gpu:v100=1", {"gpu:v100": 2}),
        ("gres/mps:100,gres:gpu", {"gpu": 1}),
        ("cpu=4,mem=1G", {}),
        ("gres/gpu:lots", {}),
        (None, {}),
    ],
)
def test_a_jobs_gpu_request_is_read_from_any_tres_per_string(
    text: str | None, wanted: dict[str, int]
) -> None:
    assert _gres.gpu_request(text) == wanted


def test_gpus_in_a_tres_mapping_in_total_and_by_type() -> None:
    tres = {"cpu": 8, "gres/gpu": 3, "gres/gpu:a100": 2, "gres/gpu:v100": 1, "gres/gpu:t4": 0}
    assert _gres.gpu_count(tres) == 3
    assert _gres.gpu_count({"cpu": 1}) == 0
    assert _gres.gpus_by_type(tres) == {"gpu:a100": 2, "gpu:v100": 1}
    assert _gres.gpu_type("gpu:a100") == "a100"
    assert _gres.gpu_type("gpu") is None


@pytest.mark.parametrize("text", ["gpu", "gpu:2", "gpu:a100:2", "gpu:1g.5gb:1", "mps:100,gpu:1K"])
def test_a_well_formed_gres_request_is_kept_as_it_is(text: str) -> None:
    assert _gres.check_gres("gres", text) == text


@pytest.mark.parametrize(
    "text", ["", "gpu:a100:two", "gpu:a:b:1", "9gpu", "gpu,,mps", "gpu:a100:-1"]
)
def test_a_malformed_gres_request_is_refused_naming_the_item(text: str) -> None:
    with pytest.raises(ValueError, match=r"^gres: .* is not NAME\[:TYPE\]\[:COUNT\]"):
        _gres.check_gres("gres", text)


@pytest.mark.parametrize(
    ("value", "text"),
    [(2, "2"), ("2", "2"), ("a100:2", "a100:2"), ({"a100": 1, "v100": 2}, "a100:1,v100:2")],
)
def test_a_gpu_count_is_given_to_slurm_as_its_text(value: object, text: str) -> None:
    assert _gres.check_gpu_count("gpus", value) == text


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (0, ValueError),
        (True, TypeError),
        (1.5, TypeError),
        ({}, ValueError),
        ({"a100": 0}, ValueError),
        ({"a 100": 1}, ValueError),
        ("a100:0", ValueError),
        ("a100:", ValueError),
    ],
)
def test_a_gpu_count_that_is_not_one_is_refused(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match=r"^gpus"):
        _gres.check_gpu_count("gpus", value)

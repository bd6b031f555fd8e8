"""The pending-job age histogram: pure arithmetic on submit times, no cluster."""

from __future__ import annotations

import pytest

from slurmlib.exporter.metrics import AGE_BUCKETS, pending_age_metrics


def test_each_bucket_counts_the_jobs_that_waited_at_most_its_bound() -> None:
    now = 1_000_000.0
    waits = [10.0, 60.0, 61.0, 3000.0, 90_000.0, 10 * 86400.0]
    histogram, oldest = pending_age_metrics({"debug": sorted(now - w for w in waits)}, now)
    samples = {
        (s.name, s.labels.get("le")): s.value
        for s in histogram.samples
        if s.labels["partition"] == "debug"
    }
    for bound in AGE_BUCKETS:
        expected = sum(1 for w in waits if w <= bound)
        assert samples["slurm_pending_job_age_seconds_bucket", str(float(bound))] == expected
    assert samples["slurm_pending_job_age_seconds_bucket", "+Inf"] == len(waits)
    assert samples["slurm_pending_job_age_seconds_count", None] == len(waits)
    assert samples["slurm_pending_job_age_seconds_sum", None] == pytest.approx(sum(waits))
    assert [s.value for s in oldest.samples] == [max(waits)]


def test_a_partition_without_pending_jobs_has_no_series() -> None:
    histogram, oldest = pending_age_metrics({"debug": []}, 1000.0)
    assert histogram.samples == [] and oldest.samples == []

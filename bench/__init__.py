"""slurmlib's benchmarks: measured in one run, reported as ratios; never timed assertions."""

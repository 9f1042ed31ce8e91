"""Running: campaigns, workers, Dask clusters, example databases, bench, coverage, profiles, the
differential runner.

May import: :mod:`harness.replay`, :mod:`harness.fuzz` and everything below
them, and itself.
"""

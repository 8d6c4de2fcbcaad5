"""Render every clip of a sweep: cached, parallel, resumable, locally or on a Dask cluster.

``render.py batch SWEEP.yaml`` lands in :func:`run_batch_command`; the work is
:func:`run_sweep`. One concept per module, shared types at the bottom:

================  ==================================================================
``jobs``          :class:`Job`, :class:`JobResult` (what crosses a process), :class:`BatchReport`, :class:`BatchError`
``worker``        inside a worker process: signal handling, the body of one job
``local``         the local backend: a pool of long-lived spawned worker processes
``dask_cluster``  the Dask backend: a ``LocalCluster`` or a running scheduler; files come back as bytes
``progress``      the live progress bar or plain log lines
``run``           orchestration: cache check, backend, manifest, gallery
``summary``       the end-of-batch table
``command``       the command line's entry point and exit codes
================  ==================================================================
"""

from explainer.batch.command import run_batch_command
from explainer.batch.jobs import DEFAULT_OUT, BatchError, BatchReport, JobResult
from explainer.batch.run import run_sweep
from explainer.batch.summary import print_summary

__all__ = ["DEFAULT_OUT", "BatchError", "BatchReport", "JobResult", "print_summary", "run_batch_command", "run_sweep"]

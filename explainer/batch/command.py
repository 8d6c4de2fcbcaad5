"""``render.py batch``: load the sweep, render it, print the summary, return the exit code.

Exit codes: 0 all clips available, 1 some job failed, 2 invalid sweep or usage,
130 interrupted.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from explainer.batch.jobs import DEFAULT_OUT, BatchError
from explainer.batch.run import run_sweep
from explainer.batch.summary import print_summary
from explainer.naming import quoted

__all__ = ["run_batch_command"]

_ADDRESS = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$|^[\w.-]+:\d+$", re.IGNORECASE)


def run_batch_command(
    sweep_path: Path | str,
    jobs: int | None = None,
    quality: str | None = None,
    fmt: str | None = None,
    out_dir: Path | str | None = None,
    force: bool = False,
    scheduler: str | None = None,
) -> int:
    """``render.py batch``: load, render, summarise; return the exit code.

    Errors in the sweep or the options are one line on stderr and exit code 2.
    """
    from explainer.config import ConfigError
    from explainer.naming import printable
    from explainer.sweep import load_sweep

    try:
        if scheduler is not None and scheduler != "local" and not _ADDRESS.match(scheduler):
            raise BatchError(
                f"--scheduler must be 'local' or an address like tcp://HOST:8786, not {quoted(scheduler, 80)}"
            )
        if scheduler is not None and _ADDRESS.match(scheduler) and "://" not in scheduler:
            scheduler = f"tcp://{scheduler}"
        sweep = load_sweep(Path(sweep_path))
        report = run_sweep(
            sweep,
            Path(out_dir) if out_dir is not None else DEFAULT_OUT,
            jobs=jobs,
            quality=quality,
            fmt=fmt,
            force=force,
            scheduler=scheduler,
        )
    except (ConfigError, BatchError) as exc:
        print(printable(str(exc)), file=sys.stderr)
        return 2
    print_summary(report)
    return report.exit_code

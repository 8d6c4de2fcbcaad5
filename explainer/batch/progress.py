"""Progress of a batch on stderr: a rich live bar on a terminal, plain log lines otherwise."""

from __future__ import annotations

import time
from typing import Any

from explainer.gallery import ClipRecord

__all__ = ["Reporter", "clock", "say"]


def say(console: Any, text: str) -> None:
    """One line of the batch's own output: rich on a terminal, one unwrapped line in a log or pipe."""
    if console.is_terminal:
        console.print(text, highlight=False, markup=False)
    else:
        print(text, file=console.file, flush=True)


def clock(seconds: float) -> str:
    seconds = max(0, round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Reporter:
    """Progress on stderr: a rich live bar on a terminal, plain log lines otherwise."""

    def __init__(self, console: Any, total: int, live: bool) -> None:
        self.console = console
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = time.perf_counter()
        self._progress = None
        self._task = None
        if live and total:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]rendering"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("running {task.fields[running]}"),
                TextColumn("[red]failed {task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=console,
                transient=False,
            )
            self._task = self._progress.add_task("render", total=total, running=0, failed=0)
            self._progress.start()

    def line(self, text: str) -> None:
        if self._progress is not None:
            self._progress.console.print(text, highlight=False, markup=False)
        else:
            print(text, file=self.console.file, flush=True)

    def tick(self, running: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, running=running)

    def finished(self, rec: ClipRecord) -> None:
        self.done += 1
        self.failed += not rec.ok
        if rec.ok:
            what = f"{rec.status} {rec.name} ({rec.render_seconds or 0:.1f} s)"
        else:
            what = f"FAILED {rec.name}: {rec.error}"
        eta = ""
        if self._progress is None and self.done < self.total:
            elapsed = time.perf_counter() - self.started
            eta = f"  [eta {clock(elapsed / self.done * (self.total - self.done))}]"
        self.line(f"[{self.done}/{self.total}] {what}{eta}")
        if self._progress is not None:
            self._progress.update(self._task, advance=1, failed=self.failed)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()

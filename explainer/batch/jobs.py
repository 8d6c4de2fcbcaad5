"""The types every part of the batch shares: jobs, their results, the batch's report and error.

These sit at the bottom of the package: the workers, the backends and the
orchestration import them, never each other's internals. A :class:`JobResult` is what
crosses a process (a local worker's pipe, a Dask worker's network connection): a
frozen, picklable dataclass, never a loose dict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from explainer.gallery import ClipRecord

__all__ = ["DEFAULT_OUT", "BatchError", "BatchReport", "Job", "JobResult", "RenderFn"]

DEFAULT_OUT = Path("out")

#: What renders one clip: :func:`explainer.clip.render_clip` or a stand-in with its signature.
RenderFn = Callable[..., Any]


class BatchError(Exception):
    """A batch that cannot start (bad option, unreachable scheduler): exit code 2."""


@dataclass
class Job:
    """One clip to render, as the backends track it."""

    index: int
    name: str
    config: Any
    attempts: int = 0
    breaks: int = 0  # times a broken local pool took this job down


@dataclass(frozen=True)
class JobResult:
    """The outcome of one job, as it comes back from a worker.

    Attributes
    ----------
    ok
        Whether the clip is available.
    status
        ``rendered`` or ``cached`` when ``ok``; ``failed`` otherwise.
    hash
        The clip's content hash.
    files
        Role -> path of the published files (local workers publish themselves).
    blobs
        Role -> (file name, bytes): a remote worker's files, written out by the parent.
    duration, render_seconds
        Video length and time spent rendering.
    worker
        Which process did it (``pid`` locally, ``host:pid`` on Dask).
    error, traceback
        For a failed job: one line, and where it failed.
    """

    ok: bool
    status: str = "failed"
    hash: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    duration: float = 0.0
    render_seconds: float = 0.0
    worker: str | None = None
    error: str | None = None
    traceback: str | None = None

    @classmethod
    def failure(cls, error: str, *, worker: str | None = None, traceback: str | None = None) -> JobResult:
        return cls(ok=False, status="failed", error=error, worker=worker, traceback=traceback)


@dataclass(frozen=True)
class BatchReport:
    """What a batch did: one :class:`~explainer.gallery.ClipRecord` per clip, in sweep order."""

    sweep_name: str
    sweep_dir: Path
    records: tuple[ClipRecord, ...]
    wall_seconds: float
    interrupted: bool = False
    backend: str = "local"
    gallery: dict[str, Path] = field(default_factory=dict)
    #: What the batch could not write besides the clips (the manifest, the gallery), one line each.
    problems: tuple[str, ...] = ()

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.records)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.problems or any(not r.ok for r in self.records) else 0

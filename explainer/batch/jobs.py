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

__all__ = [
    "MIN_SPLIT_PARTS",
    "estimated_seconds",
    "share_cores",
    "DEFAULT_OUT",
    "BatchError",
    "BatchReport",
    "Job",
    "JobResult",
    "RenderFn",
]

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
    parts: int = 1  # worker processes drawing this one clip (spare cores of a short batch)


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


#: A clip is split only into this many parts or more: a serial render already keeps about
#: two cores busy (one drawing, x264's threads on the rest), and 2 parts measured no faster
#: than 1 with Manim's encoder settings (``bench/bench_parallel.py``; README, Performance).
MIN_SPLIT_PARTS = 3


def estimated_seconds(cfg: Any) -> float:
    """A clip's length from its config alone, for ranking clips (intro and summary as 20 s)."""
    style = cfg.style
    steps = int(cfg.sequence.length)
    slow = min(steps, int(style.fast_after))
    return 20.0 + slow * float(style.step_seconds) + (steps - slow) * float(style.fast_step_seconds)


def share_cores(lengths: list[float], cores: int) -> list[int]:
    """How many parts each clip of a batch is drawn in, when there are fewer clips than cores.

    Every clip gets one part; the spare cores go, one at a time, to the clip whose length
    per part is largest, so the clips finish about together. A clip left with fewer than
    :data:`MIN_SPLIT_PARTS` parts is drawn serially, and its spare cores go to the clips
    that split.
    """

    def neediest(among: list[int]) -> int:
        return max(among, key=lambda i: (lengths[i] / parts[i], -i))

    parts = [1] * len(lengths)
    for _ in range(max(0, cores - len(lengths))):
        parts[neediest(list(range(len(lengths))))] += 1
    # Too few parts to pay off: drawn serially, the cores freed go to the clips that split.
    freed = sum(p - 1 for p in parts if p < MIN_SPLIT_PARTS)
    parts = [p if p >= MIN_SPLIT_PARTS else 1 for p in parts]
    splitting = [i for i, p in enumerate(parts) if p > 1]
    for _ in range(freed if splitting else 0):
        parts[neediest(splitting)] += 1
    return parts

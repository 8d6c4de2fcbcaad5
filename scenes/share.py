"""Which plays of a clip one worker of a split render draws: a pure rule, decided as the scene plays.

Every worker builds and plays the whole scene; a play it does not draw is skipped (its
mobjects reach their end state, nothing is drawn or encoded, and the clock advances as
if it had been drawn: :meth:`scenes.base.ExplainerScene.play`). The scene's plays are
grouped into *blocks* of about equal drawing cost, in play order, and the blocks are
dealt round-robin: worker ``k`` of ``K`` draws the plays of blocks ``k, k + K, k + 2K ...``.

Why dealt, and not cut into ``K`` contiguous ranges: a contiguous split needs the cost
of every play before the first worker starts, that is a whole extra pass over the scene
(about as long as building it, which every worker pays anyway), and the total is not
known until the scene has played to its end. Dealing small blocks needs only the cost
so far, which every worker knows at the same play, float for float, so they all agree
on who draws what without talking to each other; the workers then finish within about
one block of each other whatever the clip. The cost of each worker is

    setup + build and skip the whole scene + its blocks' draw-and-encode cost.

A play's cost is its frames, a held frame (a ``wait`` with nothing moving) counting
``hold_weight`` of a drawn one: it is drawn once, then only converted and encoded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["DEFAULT_BLOCK_FRAMES", "DEFAULT_HOLD_WEIGHT", "Share"]

#: Frames of drawing in one block (1 s at 60 fps): small enough that workers finish
#: together, and a block boundary costs nothing (every play is its own segment anyway).
DEFAULT_BLOCK_FRAMES = 60.0
#: What a held frame costs against a drawn one (measured by ``bench/bench_parallel.py``).
DEFAULT_HOLD_WEIGHT = 0.5


@dataclass(frozen=True)
class Share:
    """Worker ``worker`` of ``workers`` in a split render.

    Attributes
    ----------
    worker, workers
        This worker's index (0-based) and how many share the clip.
    block
        Cost of one block, in drawn frames.
    hold_weight
        Cost of a held frame, as a fraction of a drawn one.
    """

    worker: int
    workers: int
    block: float = DEFAULT_BLOCK_FRAMES
    hold_weight: float = DEFAULT_HOLD_WEIGHT

    def __post_init__(self) -> None:
        if self.workers < 1 or not 0 <= self.worker < self.workers:
            raise ValueError(f"worker {self.worker} of {self.workers} does not exist")
        if not (math.isfinite(self.block) and self.block > 0):
            raise ValueError(f"block must be a positive cost, not {self.block}")
        if not (math.isfinite(self.hold_weight) and self.hold_weight >= 0):
            raise ValueError(f"hold_weight must be >= 0, not {self.hold_weight}")

    def block_of(self, cost_before: float) -> int:
        """The block a play starts in, from the cost of every play before it."""
        return int(cost_before // self.block)

    def draws(self, cost_before: float) -> bool:
        """Whether this worker draws the play that starts after ``cost_before``."""
        return self.block_of(cost_before) % self.workers == self.worker

    def cost(self, frames: int, held: bool) -> float:
        """What a play of ``frames`` frames costs (held: one frame drawn, repeated)."""
        return frames * (self.hold_weight if held else 1.0)

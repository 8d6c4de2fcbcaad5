"""What the concept scenes (compare, weights, memory, gradients) can draw legibly.

They show one number per step and run, side by side or on a shared time axis, so
they need scalar states and at most :data:`MAX_CONCEPT_STEPS` steps. The checks
raise ``ValueError`` with a one-line message the CLI prints as is.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scenes.limits import SCENE_LIMITS

__all__ = ["MAX_CONCEPT_STEPS", "check_concept_runs"]

#: Longest sequence whose steps stay legible on a shared time axis at 16:9 (one
#: source of truth: the limits the config loader checks, in scenes/limits.py).
MAX_CONCEPT_STEPS = SCENE_LIMITS["compare"].max_steps


def check_concept_runs(scene: str, runs: Sequence[Any], *, count: tuple[int, int]) -> None:
    """Refuse runs scene ``scene`` cannot show.

    Parameters
    ----------
    scene
        The scene kind, used in the messages (``"compare"``).
    runs
        The runs given to the scene.
    count
        ``(fewest, most)`` runs the scene accepts.

    Raises
    ------
    ValueError
        Wrong number of runs, more than :data:`MAX_CONCEPT_STEPS` steps, or a
        hidden state or input that is not a single number.
    """
    lo, hi = count
    if not lo <= len(runs) <= hi:
        want = f"{lo}" if lo == hi else f"{lo} to {hi}"
        raise ValueError(f"scene '{scene}' needs {want} runs; got {len(runs)}")
    for run in runs:
        traj = run.trajectory
        max_steps = SCENE_LIMITS[scene].max_steps if scene in SCENE_LIMITS else MAX_CONCEPT_STEPS
        if traj.steps > max_steps:
            raise ValueError(
                f"scene '{scene}' shows at most {max_steps} steps; this config has {traj.steps} "
                f"(shorten sequence.length or use scene: unrolled)"
            )
        if traj.hidden_size != 1:
            raise ValueError(
                f"scene '{scene}' needs a scalar hidden state (H = 1); this config has H = {traj.hidden_size}"
            )
        if traj.input_size != 1:
            raise ValueError(f"scene '{scene}' needs scalar inputs (D = 1); this config has D = {traj.input_size}")

"""``scene: weights`` -- one weight varied across 2 to 4 panels: how it shapes the memory.

The classic case is an impulse ``(1, 0, 0, ...)`` with ``W_h = 0.5, 1.0, 1.5``: the
memory of the impulse fades, lingers, or grows until the activation saturates (or,
with ReLU, without bound). The storyboard and layout are those of
:mod:`scenes.compare` (panels stepping in lock-step, then one shared chart with
callouts); here each panel leads with the varied weight, large, and a few words
on what that weight does, and the callouts say how much of the first input each
run still remembers at the end.
"""

from __future__ import annotations

from rnn_engine.insights import Observation, observations
from scenes.compare import Callout, PanelComparisonScene

__all__ = ["WeightsScene"]


class WeightsScene(PanelComparisonScene):
    """``scene: weights``: panels that differ in ``W_x``, ``W_h``, ``b`` or ``h_0`` (the loader checks which)."""

    scene_kind = "weights"

    def callouts(self) -> list[Callout]:
        """State flags that differ (explosion, saturation, dying), then each run's memory of x_1."""
        flags = [c for c in super().callouts() if not c.text.startswith("h goes negative")]
        memory: list[Callout] = []
        for i, traj in enumerate(self.trajectories):
            for obs in observations(traj):
                if obs.kind in ("memory", "forgotten"):
                    memory.append(Callout(f"{self.labels[i]}: {obs.text}", [(i, self.steps - 1)]))
        # Memory is this scene's point: keep it, and fill the rest with the flags.
        room = max(0, 4 - len(memory))
        return flags[:room] + memory

    def closing_observation(self) -> Observation | None:
        for ins in self.insights:
            if ins.kind == "gradient":  # "the gradient reaching ..." opens the closing sentence
                return Observation(ins.kind, ins.step, ins.text[:1].upper() + ins.text[1:])
        return super().closing_observation()

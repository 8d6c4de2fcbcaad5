"""The narration script a scene follows: what is said in each section, and how long it needs.

Plain data, no Manim: made before the scene by ``explainer.words`` (from the engine's
facts), timed by reading speed (silent clips) or by the synthesised or recorded speech
(narrated clips), then handed to the scene inside its :class:`~scenes.inputs.SceneSpec`.

- A :class:`Passage` is what is said over one or more consecutive sections (fast steps
  share one passage: "Steps 5 to 8: ..."). Its clauses are spoken in order; a clause
  may name the *beat* of the animation it goes with (``"input"``, ``"memory"``,
  ``"total"``, ``"activation"``), so a narrated step can light each term while the
  voice says it.
- ``seconds`` on a clause is the time it needs (reading or speech, pauses included).
  A section lasts at least its share of its passage's time: the scene holds the last
  frame until the words are done (:meth:`Script.min_seconds`).
- ``screen`` holds the short lines a scene writes on screen (closing lines, callouts),
  made from the same facts and grades as the spoken words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

__all__ = ["Callout", "Clause", "Passage", "Script"]


@dataclass(frozen=True)
class Clause:
    """One spoken clause (a sentence or part of one), and the time it needs."""

    text: str
    beat: str | None = None
    seconds: float = 0.0


@dataclass(frozen=True)
class Callout:
    """A numbered remark for a chart: its short text and the ``(run, 0-based step)`` points it marks."""

    text: str
    anchors: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Passage:
    """What is said over the sections ``sections`` (Manim section names, in order).

    Attributes
    ----------
    name
        The passage's own name (the first section's, or e.g. ``steps_05_08``); recorded
        takes are named after it.
    title
        A human title (``Steps 5 to 8``).
    sections
        The section names it spans, consecutive and in order.
    clauses
        What is said, in order.
    """

    name: str
    title: str
    sections: tuple[str, ...]
    clauses: tuple[Clause, ...]

    @property
    def text(self) -> str:
        return " ".join(c.text for c in self.clauses)

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.clauses)

    def beat_seconds(self, beat: str) -> float:
        """Time of the clauses going with ``beat`` (0 if none)."""
        return sum(c.seconds for c in self.clauses if c.beat == beat)


@dataclass(frozen=True)
class Script:
    """Every passage of a clip, in order, and the short on-screen texts.

    Attributes
    ----------
    passages
        In order; together they cover every section of the scene exactly once.
    screen
        Named on-screen texts (``"summary"``: closing lines; ``"callouts"`` are separate).
    callouts
        Numbered chart remarks (compare and weights scenes).
    """

    passages: tuple[Passage, ...]
    screen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    callouts: tuple[Callout, ...] = ()

    def passage_of(self, section: str) -> Passage | None:
        for p in self.passages:
            if section in p.sections:
                return p
        return None

    def min_seconds(self, section: str, natural: Mapping[str, float] | None = None) -> float:
        """The least time ``section`` must last for its words: its share of its passage's time.

        A passage over several sections splits its time over them equally (the fast steps
        it covers are alike), or in proportion to ``natural`` (their animation times) if given.
        """
        p = self.passage_of(section)
        if p is None:
            return 0.0
        if len(p.sections) == 1:
            return p.seconds
        if natural:
            total = sum(natural.get(s, 0.0) for s in p.sections)
            if total > 0:
                return p.seconds * natural.get(section, 0.0) / total
        return p.seconds / len(p.sections)

    def sections(self) -> tuple[str, ...]:
        return tuple(s for p in self.passages for s in p.sections)

    def timed(self, seconds: Mapping[tuple[int, int], float]) -> Script:
        """A copy with clause ``(passage index, clause index)`` taking the given seconds."""
        passages = tuple(
            replace(p, clauses=tuple(replace(c, seconds=seconds.get((i, j), c.seconds)) for j, c in enumerate(c_)))
            for i, (p, c_) in enumerate((p, p.clauses) for p in self.passages)
        )
        return replace(self, passages=passages)

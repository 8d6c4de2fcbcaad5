"""What every synthetic voice is to the rest of the package: a :class:`Synthesizer`.

A synthesizer turns a batch of clause texts into one buffer each, at its own native rate.
It is told the speed; it knows its own identity (name and versions), which is what the
speech cache keys on. The rules for texts and speeds live here so every voice applies
the same ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["MAX_SPEED", "MIN_SPEED", "Synthesizer", "check_speed", "clean_text"]

#: Synthetic speech outside this range stops sounding like a person talking.
MIN_SPEED = 0.7
MAX_SPEED = 1.5


@runtime_checkable
class Synthesizer(Protocol):
    """A voice that speaks texts.

    Attributes
    ----------
    name
        Short name, as a config would say it (``"piper"``, ``"espeak"``).
    identity
        Name plus every version that changes the sound; part of each cache key.
    sample_rate
        Rate of the buffers :meth:`synthesize` returns.
    """

    name: str

    @property
    def identity(self) -> str: ...

    @property
    def sample_rate(self) -> int: ...

    def synthesize(self, texts: Sequence[str], speed: float) -> list[np.ndarray]:
        """One float32 mono buffer per text, in order, at :attr:`sample_rate`."""
        ...

    def close(self) -> None:
        """Stop any process the voice started (it starts again when needed)."""
        ...


def check_speed(speed: float) -> float:
    """``speed`` as a float, or ``ValueError`` when it is outside [MIN_SPEED, MAX_SPEED]."""
    speed = float(speed)
    if not MIN_SPEED <= speed <= MAX_SPEED:
        raise ValueError(f"speech speed must be between {MIN_SPEED} and {MAX_SPEED}, got {speed}")
    return speed


_SPACE = re.compile(r"\s+")
_WORDLIKE = re.compile(r"\w")


def clean_text(text: str) -> str:
    """One line of text to speak: whitespace runs (newlines too) become one space.

    ``ValueError`` when nothing speakable is left (no letter or digit): a voice would
    produce no sound for it, and piper's command line even stops on such a line.
    """
    cleaned = _SPACE.sub(" ", str(text)).strip()
    if not _WORDLIKE.search(cleaned):
        raise ValueError(f"nothing to speak in {text!r}")
    return cleaned

"""Voices by the name a config uses: one registry entry per synthetic voice.

``recorded`` (the lecturer's takes, :func:`~explainer.voice.recorded.narrate_recorded`) and
``none`` (silence: no narration at all) are narration kinds too but not synthesizers, so
they are listed in :data:`VOICE_KINDS` and not in :data:`SYNTHESIZERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explainer.voice.espeak import EspeakVoice
from explainer.voice.neural import NeuralVoice
from explainer.voice.synth import Synthesizer

__all__ = ["SYNTHESIZERS", "VOICE_KINDS", "open_voice"]

#: Every narration kind a config may name.
VOICE_KINDS = ("piper", "espeak", "recorded", "none")

#: Synthetic voice name -> constructor.
SYNTHESIZERS: dict[str, Callable[..., Synthesizer]] = {
    "piper": NeuralVoice,
    "espeak": EspeakVoice,
}


def open_voice(name: str, **options: Any) -> Synthesizer:
    """The synthetic voice called ``name`` (``"piper"`` or ``"espeak"``), built with ``options``.

    Raises ``ValueError`` for another name and
    :class:`~explainer.voice.errors.VoiceUnavailable` when the voice is not installed.
    """
    try:
        make = SYNTHESIZERS[name]
    except KeyError:
        raise ValueError(f"unknown synthetic voice {name!r}; choose one of {', '.join(SYNTHESIZERS)}") from None
    return make(**options)

"""Narrated clips: the script spoken (or the lecturer's takes), the scene timed to the speech, the sound laid over it.

The order matters, and is the whole point:

1. :func:`speak` -- before the scene is built, every passage of the script is spoken
   clause by clause (a synthetic voice, cached by text, voice and speed) or taken from the
   lecturer's recordings (one take per passage, named as the script says). Each clause's
   time becomes the speech's, pauses included, so the scene knows every duration and each
   section lasts as long as its speech plus a breath, never less than its animation needs.
2. The scene plays, beat by beat: a clause that goes with a beat (``"input"``,
   ``"activation"``) is placed where that beat began (``scene.beat_times``), so the term
   lights up while the voice says it.
3. :func:`placements` -- after the render, where each clip of speech goes in the video;
   :func:`track` lays them out, normalises the loudness (-16 LUFS, true peak below -1
   dBTP) and :func:`explainer.voice.mux_track` writes it into the video.

Captions follow the speech: :func:`clause_starts` gives where each clause is spoken, and
:func:`explainer.words.captions.place_cues` times the cues from it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from explainer.words import take_name
from explainer.words.speech import to_speech
from scenes.script import Script

if TYPE_CHECKING:
    from explainer.config import Config
    from explainer.voice import AudioClip, Narration

__all__ = [
    "TAKE_EXTENSIONS",
    "VOICES",
    "Spoken",
    "clause_starts",
    "find_take",
    "placements",
    "speak",
    "takes_folder",
    "track",
]

#: ``narration.voice`` -> the voice package's synthesizer name (``recorded`` and ``none`` are not synthesizers).
VOICES = {"neural": "piper", "light": "espeak"}
#: What a recorded take may be, in the order they are looked for.
TAKE_EXTENSIONS = (".wav", ".flac", ".mp3", ".m4a")


@dataclass(frozen=True)
class Spoken:
    """A script spoken: the speech, and the script timed by it."""

    narration: Narration
    script: Script


def takes_folder(cfg: Config) -> Path:
    """The folder of a ``recorded`` narration's takes: ``narration.takes``, relative to the config file."""
    folder = Path(cfg.narration.takes or "takes")
    if not folder.is_absolute() and cfg.source is not None:
        folder = cfg.source.parent / folder
    return folder


def find_take(folder: Path, name: str) -> str:
    """Passage take ``name``'s file in ``folder``: the first of :data:`TAKE_EXTENSIONS` there, else ``name.wav``."""
    for ext in TAKE_EXTENSIONS:
        if (folder / f"{name}{ext}").exists():
            return f"{name}{ext}"
    return f"{name}.wav"  # missing: the take loader says so, naming this file


def speak(cfg: Config, script: Script, cache: Path, *, on_voice: Callable[[str], None] | None = None) -> Spoken | None:
    """Speak ``script`` as ``cfg.narration`` asks (``None`` for a silent clip).

    Raises
    ------
    explainer.voice.TakeError
        A recorded take is missing, empty, corrupt or unreadable (names the passage and file).
    explainer.voice.VoiceUnavailable
        The voice is not installed.
    """
    kind = cfg.narration.voice
    if kind == "none":
        return None
    from explainer.voice import narrate, narrate_recorded, open_voice

    names = [take_name(i, p.name) for i, p in enumerate(script.passages)]
    texts = {n: [to_speech(c.text) for c in p.clauses] for n, p in zip(names, script.passages, strict=True)}
    if kind == "recorded":
        folder = takes_folder(cfg)
        narration = narrate_recorded(texts, folder, {n: find_take(folder, n) for n in names})
    else:
        voice = open_voice(VOICES[kind])
        if on_voice is not None:
            on_voice(VOICES[kind])
        try:
            narration = narrate(texts, voice, speed=cfg.narration.speed, cache=cache)
        finally:
            close = getattr(voice, "close", None)
            if close is not None:
                close()
    seconds: dict[tuple[int, int], float] = {}
    for i, (passage, said) in enumerate(zip(script.passages, narration.sections, strict=True)):
        starts = [c.start for c in said.clauses]
        for j in range(len(passage.clauses)):
            end = starts[j + 1] if j + 1 < len(starts) else said.duration
            seconds[(i, j)] = max(0.0, end - starts[j])
    return Spoken(narration, script.timed(seconds))


def clause_starts(
    script: Script, timeline: Sequence[Any], beat_times: Mapping[tuple[str, str], float]
) -> list[list[float]]:
    """Where in the video each clause of each passage begins.

    A clause starts where its beat began, or right after the clause before it
    (``clause.seconds`` later), whichever is later; a passage's first clause at its first
    section's start.
    """
    spans = {r.name: r.start for r in timeline}
    out = []
    for passage in script.passages:
        t = next((spans[s] for s in passage.sections if s in spans), 0.0)
        starts = []
        for clause in passage.clauses:
            if clause.beat is not None:
                beat = next(
                    (beat_times[(s, clause.beat)] for s in passage.sections if (s, clause.beat) in beat_times), None
                )
                if beat is not None:
                    t = max(t, beat)
            starts.append(t)
            t += clause.seconds
        out.append(starts)
    return out


def placements(spoken: Spoken, starts: Sequence[Sequence[float]]) -> list[tuple[float, AudioClip]]:
    """Each clip of speech and where it goes: per clause for a synthetic voice, per take for a recording."""
    out = []
    for said, clause_times in zip(spoken.narration.sections, starts, strict=True):
        if not spoken.narration.exact or len(said.audio) != len(said.clauses):
            # A take is one recording: it plays from where its first clause begins.
            offset0 = said.clauses[0].start if said.clauses else 0.0
            base = (clause_times[0] if clause_times else 0.0) - offset0
            out += [(base + offset, clip) for offset, clip in said.audio]
            continue
        out += [(t, clip) for t, (_, clip) in zip(clause_times, said.audio, strict=True)]
    return out


def track(spoken: Spoken, starts: Sequence[Sequence[float]], duration: float) -> tuple[np.ndarray, int]:
    """The whole narration track for a video ``duration`` seconds long, at the usual loudness."""
    from explainer.voice import assemble_track, normalize_loudness

    rate = spoken.narration.sample_rate
    laid = [(t, clip) for t, clip in placements(spoken, starts) if t < duration]
    samples = assemble_track(_no_overlap(laid, rate, duration), duration, rate)
    return normalize_loudness(samples, rate), rate


def _no_overlap(laid: list[tuple[float, AudioClip]], rate: int, duration: float) -> list[tuple[float, AudioClip]]:
    """Clips in order, each starting no earlier than the one before ends (a recording can run past a beat)."""
    out: list[tuple[float, AudioClip]] = []
    end = 0.0
    for t, clip in sorted(laid, key=lambda p: p[0]):
        t = max(t, end)
        if t + clip.duration > duration:
            continue
        out.append((t, clip))
        end = t + clip.duration
    return out

"""From words to timed speech: a script (sections of clauses) in, a :class:`Narration` out.

Each clause is synthesised on its own, so its start inside its section is known exactly
and the animation can follow the sentence. Between clauses the narration leaves the
pauses of :class:`Pauses`: a short gap inside a sentence, a longer one after a sentence,
and a breath after each section (which the timeline adds when it places the sections).

Clips come from the :class:`~explainer.voice.cache.SpeechCache` when they can; only the
missing ones are sent to the voice, in one batch, and each distinct text only once.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explainer.voice.audio import SAMPLE_RATE, AudioClip, resample, trim_silence
from explainer.voice.cache import SpeechCache, speech_key
from explainer.voice.errors import VoiceError
from explainer.voice.meter import rms_dbfs, window_rms_dbfs
from explainer.voice.synth import Synthesizer, check_speed, clean_text

__all__ = [
    "Narration",
    "Pauses",
    "SectionLevel",
    "SpokenClause",
    "SpokenSection",
    "Speaker",
    "cleaned_script",
    "ends_sentence",
    "lay_out",
    "narrate",
]


@dataclass(frozen=True)
class Pauses:
    """Silences the narration leaves, in seconds.

    Attributes
    ----------
    clause
        After a clause that does not end a sentence.
    sentence
        After a clause that ends a sentence (``.``, ``!``, ``?``, ``…``).
    section
        After a section's last clause: the breath before the next section.
    """

    clause: float = 0.15
    sentence: float = 0.4
    section: float = 0.8

    def __post_init__(self) -> None:
        for name in ("clause", "sentence", "section"):
            if not 0.0 <= getattr(self, name) <= 10.0:
                raise ValueError(f"pause {name!r} must be between 0 and 10 s, got {getattr(self, name)}")


@dataclass(frozen=True)
class SpokenClause:
    """One clause's text and its time span, in seconds from the start of its section."""

    text: str
    start: float
    end: float


@dataclass(frozen=True)
class SpokenSection:
    """A section's clauses, the sound to play and how long it speaks.

    Attributes
    ----------
    name
        The script's name for the section.
    clauses
        Each clause's span from the section's start (exact for synthetic voices, estimated
        for a recorded take: see :attr:`Narration.exact`).
    audio
        ``(offset, clip)`` pairs: what to play, offset from the section's start.
    speech
        Seconds from the section's start to the end of its last sound.
    pause_after
        The breath the section asks for after its speech.
    """

    name: str
    clauses: tuple[SpokenClause, ...]
    audio: tuple[tuple[float, AudioClip], ...]
    speech: float
    pause_after: float

    @property
    def duration(self) -> float:
        """Speech plus the breath after it: the least time the section needs."""
        return self.speech + self.pause_after


@dataclass(frozen=True)
class Narration:
    """Timed speech for a whole script.

    Attributes
    ----------
    sections
        In script order.
    sample_rate
        Rate of every clip.
    voice
        The voice's identity (or ``"recorded"``).
    exact
        Whether clause times are measured (synthetic voices) or estimated (recorded takes).
    synthesized
        How many clips the voice had to synthesise (0 when the cache had them all).
    """

    sections: tuple[SpokenSection, ...]
    sample_rate: int
    voice: str
    exact: bool
    synthesized: int = 0

    def __iter__(self) -> Iterator[SpokenSection]:
        return iter(self.sections)

    def section(self, name: str) -> SpokenSection:
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(name)

    def sequential_starts(self, lead_in: float = 0.0) -> list[float]:
        """Section starts when each section follows the previous one's speech and breath directly."""
        starts, t = [], lead_in
        for s in self.sections:
            starts.append(t)
            t += s.duration
        return starts

    def placements(self, starts: Sequence[float]) -> list[tuple[float, AudioClip]]:
        """``(start in the video, clip)`` for every clip, given each section's start in the video."""
        if len(starts) != len(self.sections):
            raise ValueError(f"{len(starts)} section starts for {len(self.sections)} sections")
        return [(float(t0) + off, clip) for t0, s in zip(starts, self.sections, strict=True) for off, clip in s.audio]

    def levels(self, track: np.ndarray, starts: Sequence[float]) -> list[SectionLevel]:
        """RMS levels per section of an assembled ``track`` whose sections start at ``starts``.

        For checks such as "every section's speech is above -30 dBFS and its pauses are digital
        zero". A section's silence is every gap between its clips, plus the gap from its last
        clip to the next section's first clip (or the end of the track).
        """
        sr = self.sample_rate
        pairs = zip(starts, self.sections, strict=True)
        placed = [[(float(t0) + off, clip) for off, clip in s.audio] for t0, s in pairs]
        out = []
        for i, (section, clips) in enumerate(zip(self.sections, placed, strict=True)):
            later = [t for p in placed[i + 1 :] for t, _c in p[:1]]
            end_of_silence = later[0] if later else len(track) / sr
            spans = [(t, t + c.duration) for t, c in clips]
            gaps = [(b, a) for (_x, b), (a, _y) in zip(spans, spans[1:], strict=False)]
            if spans:
                gaps.append((spans[-1][1], end_of_silence))
            speech = _concat(track, sr, spans)
            silence = _concat(track, sr, gaps)
            quietest = min((window_rms_dbfs(track, sr, a, b) for a, b in spans), default=-math.inf)
            out.append(SectionLevel(section.name, rms_dbfs(speech), quietest, rms_dbfs(silence), silence.size / sr))
        return out


@dataclass(frozen=True)
class SectionLevel:
    """RMS levels (dBFS) of one section of a track: its speech, its quietest clip and its silences.

    ``silence`` is ``-inf`` when every pause is digital zero; ``silence_seconds`` says how much
    pause was measured.
    """

    name: str
    speech: float
    quietest_clip: float
    silence: float
    silence_seconds: float


def _concat(track: np.ndarray, sr: int, spans: Sequence[tuple[float, float]]) -> np.ndarray:
    parts = [track[max(0, round(a * sr)) : max(0, round(b * sr))] for a, b in spans if b > a]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


_CLOSERS = " \"')]}»”’"


def ends_sentence(text: str) -> bool:
    """Whether a clause ends a sentence (its last mark, past quotes and brackets, is . ! ? or …)."""
    return text.rstrip(_CLOSERS).endswith((".", "!", "?", "…"))


def lay_out(name: str, texts: Sequence[str], clips: Sequence[AudioClip], pauses: Pauses) -> SpokenSection:
    """Place a section's clauses one after another with the pauses between them."""
    clauses, audio, t = [], [], 0.0
    for i, (text, clip) in enumerate(zip(texts, clips, strict=True)):
        if i:
            t += pauses.sentence if ends_sentence(texts[i - 1]) else pauses.clause
        clauses.append(SpokenClause(text, t, t + clip.duration))
        audio.append((t, clip))
        t += clip.duration
    return SpokenSection(name, tuple(clauses), tuple(audio), t, pauses.section if clauses else 0.0)


def cleaned_script(script: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    out = {}
    for name, clauses in script.items():
        if isinstance(clauses, str):
            raise ValueError(f"section {name!r}: clauses must be a list of texts, not one string")
        texts = []
        for i, text in enumerate(clauses, 1):
            try:
                texts.append(clean_text(text))
            except ValueError as e:
                raise ValueError(f"section {name!r}, clause {i}: {e}") from None
        out[str(name)] = texts
    return out


def narrate(
    script: Mapping[str, Sequence[str]],
    voice: Synthesizer,
    *,
    speed: float = 1.0,
    cache: SpeechCache | Path | str | None = None,
    pauses: Pauses | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> Narration:
    """Speak a script with a synthetic voice.

    Parameters
    ----------
    script
        Section name -> the section's clauses (sentences or parts of one), in order.
    voice
        A :class:`~explainer.voice.synth.Synthesizer` (:class:`NeuralVoice`, :class:`EspeakVoice`).
    speed
        1.0 is the voice's natural pace; 0.7-1.5 allowed.
    cache
        Where synthesised clips are kept (a folder or a :class:`SpeechCache`); None: no cache.
    pauses
        The silences between clauses and after sections (default :class:`Pauses()`).
    sample_rate
        Rate of the clips returned.

    Raises
    ------
    ValueError
        A clause with nothing to speak, a speed out of range (message names section and clause).
    VoiceError
        The voice failed or produced no sound.
    """
    speaker = Speaker(voice, speed, cache, sample_rate)
    pauses = pauses or Pauses()
    texts = cleaned_script(script)
    speaker.fill([t for ts in texts.values() for t in ts])  # one batch: parallel voices get all of it at once
    sections = tuple(lay_out(name, ts, speaker.clips_for(ts), pauses) for name, ts in texts.items())
    return Narration(sections, sample_rate, voice.identity, exact=True, synthesized=speaker.synthesized)


class Speaker:
    """Clips for texts: from the cache when there, else from the voice (then cached).

    The shared step of :func:`narrate` (all texts in one batch) and
    :func:`~explainer.voice.pending.start_narration` (one section at a time).
    """

    def __init__(
        self, voice: Synthesizer, speed: float, cache: SpeechCache | Path | str | None, sample_rate: int
    ) -> None:
        self.voice = voice
        self.speed = check_speed(speed)
        self.store = SpeechCache(cache) if isinstance(cache, str | Path) else cache
        self.sample_rate = sample_rate
        self.clips: dict[str, AudioClip] = {}
        self.synthesized = 0  #: clips the voice had to make so far

    def _key(self, text: str) -> str:
        return speech_key(text, self.voice.identity, self.speed, self.sample_rate)

    def fill(self, texts: Sequence[str]) -> None:
        """Make sure every (cleaned) text has a clip; synthesise the missing ones in one call."""
        wanted = [t for t in dict.fromkeys(texts) if t not in self.clips]
        if self.store is not None:
            for text in wanted:
                hit = self.store.get(self._key(text), self.sample_rate)
                if hit is not None:
                    self.clips[text] = hit
        missing = [t for t in wanted if t not in self.clips]
        if not missing:
            return
        rate = self.voice.sample_rate
        for text, raw in zip(missing, self.voice.synthesize(missing, self.speed), strict=True):
            samples = resample(trim_silence(raw, rate), rate, self.sample_rate)
            if samples.size == 0:
                raise VoiceError(f"{self.voice.name} produced no sound for {text!r}")
            clip = AudioClip(samples, self.sample_rate)
            self.clips[text] = clip
            self.synthesized += 1
            if self.store is not None:
                self.store.put(self._key(text), clip)

    def clips_for(self, texts: Sequence[str]) -> list[AudioClip]:
        return [self.clips[t] for t in texts]

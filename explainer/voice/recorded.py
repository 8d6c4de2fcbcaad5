"""The lecturer's own voice: one recorded take per section, read from a folder.

The script names each section's file (``03_step_01.wav``); wav, flac, mp3, m4a and the
other formats FFmpeg reads are decoded with PyAV to mono float32 at the project's rate.
A take that is missing, empty, corrupt or unreadable stops the narration with a
:class:`~explainer.voice.errors.TakeError` naming the section and the expected path.

A take is one piece of sound, so where each clause starts inside it is not measured:
:func:`narrate_recorded` estimates it from the clauses' lengths in letters over the
take's spoken part (``Narration.exact`` is False).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from explainer.voice.audio import SAMPLE_RATE, AudioClip, decode_audio
from explainer.voice.errors import TakeError
from explainer.voice.script import Narration, Pauses, SpokenClause, SpokenSection
from explainer.voice.synth import clean_text

__all__ = ["TAKE_FORMATS", "load_take", "load_takes", "narrate_recorded"]

#: Demuxer by file extension. Forcing it means a file whose bytes are not what its name
#: says fails loudly instead of FFmpeg guessing a format in random bytes and decoding noise.
TAKE_FORMATS: dict[str, str] = {
    ".wav": "wav",
    ".flac": "flac",
    ".mp3": "mp3",
    ".m4a": "mp4",
    ".mp4": "mp4",
    ".aac": "aac",
    ".ogg": "ogg",
    ".opus": "ogg",
}

#: A take's spoken part starts and ends where it first and last exceeds this level.
_SPEECH_DB = -45.0


def load_take(section: str, path: Path | str, sample_rate: int = SAMPLE_RATE) -> AudioClip:
    """Decode one section's take.

    Raises
    ------
    TakeError
        The file is missing, empty (no bytes or no samples), corrupt or unreadable.
    """
    path = Path(path)
    fmt = TAKE_FORMATS.get(path.suffix.lower())
    try:
        with open(path, "rb") as fh:
            data = fh.read()  # a take is small; the forced demuxer wants a seekable source
    except FileNotFoundError:
        raise TakeError(section, path, "is missing") from None
    except PermissionError:
        raise TakeError(section, path, "cannot be read (permission denied)") from None
    except IsADirectoryError:
        raise TakeError(section, path, "cannot be read (it is a folder)") from None
    except OSError as e:
        raise TakeError(section, path, f"cannot be read ({e.strerror or e})") from None
    if not data:
        raise TakeError(section, path, "is empty (0 bytes)")
    return AudioClip(_decode(section, path, data, fmt, sample_rate), sample_rate)


def _decode(section: str, path: Path, data: bytes, fmt: str | None, sample_rate: int) -> np.ndarray:
    import av

    what = f"{path.suffix[1:].upper()} file" if fmt else "audio file"
    try:
        samples = decode_audio(io.BytesIO(data), sample_rate, container_format=fmt)
    except av.error.FFmpegError as e:  # before ValueError: FFmpeg's InvalidDataError is both
        reason = _one_line(getattr(e, "strerror", None) or str(e))
        raise TakeError(section, path, f"is corrupt or not a valid {what} ({reason})") from None
    except ValueError:
        raise TakeError(section, path, "has no audio stream") from None
    if samples.size == 0:
        raise TakeError(section, path, f"has no decodable audio (corrupt, or not a valid {what})")
    return samples


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def load_takes(takes: Mapping[str, Path | str], sample_rate: int = SAMPLE_RATE) -> dict[str, AudioClip]:
    """Section name -> take, loaded in order; the first bad one raises :class:`TakeError`."""
    return {section: load_take(section, p, sample_rate) for section, p in takes.items()}


def _spoken_span(clip: AudioClip) -> tuple[float, float]:
    loud = np.flatnonzero(np.abs(clip.samples) > 10.0 ** (_SPEECH_DB / 20.0))
    if loud.size == 0:
        return 0.0, clip.duration
    return loud[0] / clip.sample_rate, (loud[-1] + 1) / clip.sample_rate


def _estimated_clauses(texts: Sequence[str], clip: AudioClip) -> tuple[SpokenClause, ...]:
    start, end = _spoken_span(clip)
    weights = np.array([max(1, len(re.findall(r"\w", t))) for t in texts], dtype=float)
    edges = start + (end - start) * np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
    return tuple(SpokenClause(t, float(a), float(b)) for t, a, b in zip(texts, edges[:-1], edges[1:], strict=True))


def narrate_recorded(
    script: Mapping[str, Sequence[str]],
    folder: Path | str,
    files: Mapping[str, str],
    *,
    pauses: Pauses | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> Narration:
    """Narration from recorded takes: section ``name`` plays ``folder / files[name]``.

    Each section's speech lasts as long as its take; clause spans are estimates (see the
    module docstring). Raises :class:`TakeError` for the first bad take and ``KeyError``
    for a section the ``files`` mapping does not name.
    """
    pauses = pauses or Pauses()
    folder = Path(folder)
    sections = []
    for name, clauses in script.items():
        if name not in files:
            raise KeyError(f"no take file named for section {name!r}")
        take = load_take(name, folder / files[name], sample_rate)
        texts = [clean_text(t) for t in clauses]
        spans = _estimated_clauses(texts, take) if texts else ()
        sections.append(SpokenSection(name, spans, ((0.0, take),), take.duration, pauses.section))
    return Narration(tuple(sections), sample_rate, "recorded", exact=False, synthesized=0)

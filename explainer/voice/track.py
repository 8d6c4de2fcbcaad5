"""One narration track for a whole video, from clips placed on its timeline.

Between clips the track is digital zero (a real silence, not low noise). Each clip gets a
short raised-cosine fade at both edges, so a clip that starts or stops away from zero
never clicks against the silence around it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from explainer.voice.audio import AudioClip

__all__ = ["DEFAULT_FADE", "assemble_track", "fade_edges"]

#: Seconds of fade at each clip edge: short enough not to eat a consonant, long enough
#: (a few hundred samples at 48 kHz) that no step is left at the join.
DEFAULT_FADE = 0.005


def fade_edges(samples: np.ndarray, sample_rate: int, fade: float = DEFAULT_FADE) -> np.ndarray:
    """A copy of ``samples`` faded in and out over ``fade`` seconds (raised cosine)."""
    x = np.array(samples, dtype=np.float32)
    n = min(round(fade * sample_rate), x.size // 2)
    if n > 0:
        # Half a cosine from 0 to 1 over n+1 steps, first value 0: the first sample is silent.
        ramp = (0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)).astype(np.float32)
        x[:n] *= ramp
        x[x.size - n :] *= ramp[::-1]
    return x


def assemble_track(
    placements: Sequence[tuple[float, AudioClip]],
    duration: float,
    sample_rate: int,
    fade: float = DEFAULT_FADE,
) -> np.ndarray:
    """The track: each clip at its start time, silence elsewhere, ``round(duration * rate)`` samples.

    Parameters
    ----------
    placements
        ``(start in seconds, clip)`` pairs, e.g. :meth:`Narration.placements`.
    duration
        The video's length in seconds.
    sample_rate
        The track's rate; every clip must have it.
    fade
        Seconds of fade at each clip edge.

    Raises
    ------
    ValueError
        A clip at another rate, starting before 0, ending after ``duration``, or overlapping
        another clip (two voices at once is a timing bug, not something to mix).
    """
    total = round(duration * sample_rate)
    track = np.zeros(total, dtype=np.float32)
    spans = []
    for start, clip in placements:
        if clip.sample_rate != sample_rate:
            raise ValueError(f"clip at {start:.3f} s is at {clip.sample_rate} Hz, the track at {sample_rate} Hz")
        a = round(start * sample_rate)
        b = a + clip.frames
        if a < 0:
            raise ValueError(f"clip starts at {start:.3f} s, before the video")
        if b > total:
            end = b / sample_rate
            raise ValueError(f"clip at {start:.3f} s ends at {end:.3f} s, after the video's end {duration:.3f} s")
        spans.append((a, b, start))
        track[a:b] = fade_edges(clip.samples, sample_rate, fade)
    spans.sort()
    for (_a0, b0, s0), (a1, _b1, s1) in zip(spans, spans[1:], strict=False):
        if a1 < b0:
            end = b0 / sample_rate
            raise ValueError(f"clip at {s1:.3f} s starts before the clip at {s0:.3f} s has ended ({end:.3f} s)")
    return track

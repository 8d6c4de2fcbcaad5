"""Bringing a finished track to the loudness online video expects: −16 LUFS, true peak under −1 dBTP.

A gain sets the integrated loudness; speech peaks far above its average, so at −16 LUFS
some peaks would pass −1 dBTP. Those are pulled down by a true-peak limiter: the peak of
every sample is taken from a 4x oversampled copy (the peak between samples is what a
decoder's output can reach), the gain each sample needs is spread over a short window so
it changes smoothly, and it only ever lowers the level. Limiting lowers the loudness a
little, so gain and limiter alternate until the meter
(:func:`~explainer.voice.meter.measure_loudness`) reads both targets. Digital silence
stays digital silence: every step multiplies.
"""

from __future__ import annotations

import numpy as np

from explainer.voice.errors import VoiceError
from explainer.voice.meter import Loudness, measure_loudness

__all__ = ["TARGET_LUFS", "TARGET_TRUE_PEAK", "limit_true_peak", "normalize_loudness"]

#: The usual integrated loudness of online video (YouTube and others play it back near -14 to -16).
TARGET_LUFS = -16.0
#: The true peak a finished track stays under.
TARGET_TRUE_PEAK = -1.0
#: Window over which the limiter's gain moves: ~2.5 periods of a 100 Hz voice, so the gain
#: does not follow the waveform (which would distort it).
_LIMIT_WINDOW = 0.025


def _oversampled_peak(x: np.ndarray, factor: int = 4) -> np.ndarray:
    """Per sample, the largest magnitude of the signal between it and its neighbours (4x oversampled)."""
    from scipy.signal import resample_poly

    up = np.abs(resample_poly(x, factor, 1))[: x.size * factor].reshape(-1, factor).max(axis=1)
    # The sample itself and the interpolated points on either side of it.
    return np.maximum(np.abs(x), np.maximum(up, np.concatenate([[0.0], up[:-1]])))


def limit_true_peak(samples: np.ndarray, sample_rate: int, ceiling_db: float) -> np.ndarray:
    """Lower the level wherever the (oversampled) peak passes ``ceiling_db`` dBTP; elsewhere unchanged.

    The gain at each sample is the minimum needed over a window around it, then averaged over
    the same window: an average of window minima that all include sample ``n`` cannot exceed
    the gain ``n`` needs, so no peak is left above the ceiling, and the gain moves smoothly.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return x.astype(np.float32)
    ceiling = 10.0 ** (ceiling_db / 20.0)
    peak = _oversampled_peak(x)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if need.min() >= 1.0:
        return x.astype(np.float32)
    width = max(1, round(_LIMIT_WINDOW * sample_rate)) | 1  # odd: centred on the sample
    gain = uniform_filter1d(minimum_filter1d(need, width, mode="nearest"), width, mode="nearest")
    return (x * np.minimum(gain, 1.0)).astype(np.float32)


def normalize_loudness(
    samples: np.ndarray,
    sample_rate: int,
    target_lufs: float = TARGET_LUFS,
    max_true_peak: float = TARGET_TRUE_PEAK,
    *,
    tolerance: float = 0.3,
    margin: float = 0.5,
) -> np.ndarray:
    """The track at ``target_lufs`` integrated (±``tolerance`` LU) with its true peak under ``max_true_peak``.

    Parameters
    ----------
    samples, sample_rate
        The finished mono track.
    target_lufs
        Integrated loudness wanted.
    max_true_peak
        dBTP the result must stay under; the limiter aims ``margin`` dB lower, since a lossy
        encoder (AAC, Opus) adds a little to the peaks.
    tolerance
        How close to ``target_lufs`` the result must measure.

    Raises
    ------
    VoiceError
        The track is silent (nothing to normalise), or the targets were not met after a few
        rounds (a track of isolated clicks, say).
    """
    y = np.asarray(samples, dtype=np.float32)
    level = measure_loudness(y, sample_rate)
    if level.integrated <= -69.9:
        raise VoiceError("the narration track is silent: nothing to normalise")
    ceiling = max_true_peak - margin
    for _round in range(6):
        y = (y * 10.0 ** ((target_lufs - level.integrated) / 20.0)).astype(np.float32)
        level = measure_loudness(y, sample_rate)
        if level.true_peak > ceiling:
            y = limit_true_peak(y, sample_rate, ceiling)
            level = measure_loudness(y, sample_rate)
        if abs(level.integrated - target_lufs) <= tolerance and level.true_peak < max_true_peak:
            return y
    raise VoiceError(f"could not bring the narration to {target_lufs} LUFS under {max_true_peak} dBTP: {_say(level)}")


def _say(level: Loudness) -> str:
    return f"measured {level.integrated:.1f} LUFS, true peak {level.true_peak:.1f} dBTP"

"""Bringing a finished track to the loudness online video expects: −16 LUFS, true peak under −1 dBTP.

A gain sets the integrated loudness; speech peaks far above its average, so at −16 LUFS
some peaks would pass −1 dBTP. Those are pulled down by a true-peak limiter: the peak of
every sample includes the signal between samples, interpolated at 4x (that is what a
decoder's output can reach), the gain each sample needs is spread over a short window so
it changes smoothly, and it only ever lowers the level. Limiting lowers the loudness a
little, so the gain is corrected and the limiter run again until the meter
(:func:`~explainer.voice.meter.measure_loudness`) reads both targets. Digital silence
stays digital silence: every step multiplies.
"""

from __future__ import annotations

import math

import numpy as np

from explainer.voice.errors import VoiceError
from explainer.voice.meter import Loudness, measure_loudness

__all__ = ["TARGET_LUFS", "TARGET_TRUE_PEAK", "limit_true_peak", "normalize_loudness", "true_peaks"]

#: The usual integrated loudness of online video (YouTube and others play it back near -14 to -16).
TARGET_LUFS = -16.0
#: The true peak a finished track stays under.
TARGET_TRUE_PEAK = -1.0
#: The limiter's (hold, smooth) windows in seconds, tried in this order. It holds its gain at
#: the lowest any sample needs within the hold window (several periods of a 100 Hz voice, so
#: the gain follows syllables, not the waveform, which would distort it) and moves between
#: levels over the smooth window. Speech reaches the targets with the first; dense,
#: noise-like sound (a noisy take) may need the faster ones, which distort a little more.
_LIMITER_WINDOWS = ((0.05, 0.03), (0.02, 0.02), (0.008, 0.008))


#: Half-length of the interpolator that finds the peaks between samples: 16 samples either
#: side of a point resolve it to well under 0.1 dB for content below 20 kHz at 48 kHz.
_HALF_TAPS = 16
_FRACTIONS = (0.25, 0.5, 0.75)


def _interpolator() -> np.ndarray:
    """Windowed-sinc weights (32 taps x 3 points) giving the signal at n + 1/4, 1/2, 3/4 from x[n-15 .. n+16]."""
    k = np.arange(-_HALF_TAPS + 1, _HALF_TAPS + 1)
    cols = []
    for f in _FRACTIONS:
        d = k - f
        cols.append(np.sinc(d) * (0.5 + 0.5 * np.cos(np.pi * d / _HALF_TAPS)))
    return np.stack(cols, axis=1)


def true_peaks(samples: np.ndarray) -> np.ndarray:
    """Per sample, the largest magnitude of the signal within one sample of it, 4x oversampled.

    The signal at n + 1/4, 1/2 and 3/4 is interpolated (windowed sinc, 32 taps); each sample
    gets the largest of its own magnitude and the interpolated points on either side of it.
    """
    x = np.asarray(samples, dtype=np.float32)
    mag = np.abs(x)
    if x.size < 2:
        return mag
    weights = _interpolator().astype(np.float32)
    between = np.maximum(mag[:-1], mag[1:])  # the gap between sample n and n + 1
    for col in range(weights.shape[1]):
        # Correlating with the weights: value[n] = sum_i x[n - 15 + i] w[i], which the full
        # convolution with the reversed weights holds at index n + 16.
        full = np.convolve(x, weights[::-1, col])
        between = np.maximum(between, np.abs(full[_HALF_TAPS : _HALF_TAPS + x.size - 1]))
    peak = mag.copy()
    peak[:-1] = np.maximum(peak[:-1], between)
    peak[1:] = np.maximum(peak[1:], between)
    return peak


#: The limiter works on blocks of this many samples (the gain moves over tens of ms, so a
#: third of a millisecond is fine detail), 16 times less work than per sample.
_BLOCK = 16


def _limiter_gain(peaks: np.ndarray, ceiling: float, sample_rate: int, hold: float, smooth: float) -> np.ndarray:
    """The gain (<= 1) per sample that keeps ``peaks`` under ``ceiling`` (linear), moving smoothly.

    Per block of samples, the gain needed is that of its highest peak. The gain at each block
    is the minimum needed over a window of blocks around it (``hold`` seconds), then averaged
    over a window at least one block shorter on each side (``smooth``), then runs linearly
    from each block's value to the next one's. Every minimum in the average covers the block
    and its neighbours, so neither the average nor the ramp can exceed the gain any sample
    needs: no peak is left above the ceiling, and the gain starts moving ``(hold + smooth) / 2``
    ahead of a peak.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    n = peaks.size
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12)).astype(np.float32)
    if n == 0 or need.min() >= 1.0:
        return np.ones(n, dtype=np.float32)
    blocks = -(-n // _BLOCK)
    per_block = np.pad(need, (0, blocks * _BLOCK - n), constant_values=1.0).reshape(blocks, _BLOCK).min(axis=1)
    hold_half = max(1, round(hold * sample_rate / _BLOCK) // 2)
    smooth_half = max(0, min(hold_half - 1, round(smooth * sample_rate / _BLOCK) // 2))
    held = minimum_filter1d(per_block, 2 * hold_half + 1, mode="nearest")
    gain = uniform_filter1d(held, 2 * smooth_half + 1, mode="nearest") if smooth_half else held
    # Linear from each block's gain to the next one's across the block.
    nxt = np.append(gain[1:], gain[-1])
    frac = (np.arange(_BLOCK, dtype=np.float32) / _BLOCK)[None, :]
    ramp = gain[:, None] + (nxt - gain)[:, None] * frac
    return np.minimum(ramp.reshape(-1)[:n], 1.0).astype(np.float32)


def limit_true_peak(
    samples: np.ndarray, sample_rate: int, ceiling_db: float, hold: float = 0.05, smooth: float = 0.03
) -> np.ndarray:
    """Lower the level wherever the true (4x oversampled) peak passes ``ceiling_db`` dBTP; elsewhere unchanged.

    See :func:`_limiter_gain` for why no peak stays above the ceiling.
    """
    x = np.asarray(samples, dtype=np.float32)
    gain = _limiter_gain(true_peaks(x), 10.0 ** (ceiling_db / 20.0), sample_rate, hold, smooth)
    return (x * gain).astype(np.float32)


def normalize_loudness(
    samples: np.ndarray,
    sample_rate: int,
    target_lufs: float = TARGET_LUFS,
    max_true_peak: float = TARGET_TRUE_PEAK,
    *,
    tolerance: float = 0.5,
    margin: float = 1.0,
) -> np.ndarray:
    """The track at ``target_lufs`` integrated (±``tolerance`` LU) with its true peak under ``max_true_peak``.

    Each round applies one gain to the *original* track and limits the result (so rounds
    never stack distortion), measures, and corrects the gain by what the limiter took off;
    two or three rounds are usual. The final result is measured with true peak on.

    Parameters
    ----------
    samples, sample_rate
        The finished mono track.
    target_lufs
        Integrated loudness wanted.
    max_true_peak
        dBTP the result must stay under; the limiter aims ``margin`` dB lower, since a lossy
        encoder adds to the peaks (Opus at 96 kbit/s was measured adding 0.6 dB to speech-band
        noise limited at -1.5 dBTP, which then failed -1 dBTP).
    tolerance
        How close to ``target_lufs`` the result must measure.

    Raises
    ------
    VoiceError
        The track is silent (nothing to normalise), or the targets were not met after a few
        rounds (a track of isolated clicks, say).
    """
    x = np.asarray(samples, dtype=np.float32)
    level = measure_loudness(x, sample_rate, true_peak=False)
    if level.integrated <= -69.9:
        raise VoiceError("the narration track is silent: nothing to normalise")
    start = level.integrated
    peaks = true_peaks(x)  # a gain scales the peaks: found once, not per round
    for hold, smooth in _LIMITER_WINDOWS:
        y, level = _normalize_with(
            x, peaks, sample_rate, start, target_lufs, max_true_peak, tolerance, margin, hold, smooth
        )
        if y is not None:
            return y
    raise VoiceError(f"could not bring the narration to {target_lufs} LUFS under {max_true_peak} dBTP: {_say(level)}")


def _normalize_with(
    x: np.ndarray,
    peaks: np.ndarray,
    sample_rate: int,
    loudness: float,
    target_lufs: float,
    max_true_peak: float,
    tolerance: float,
    margin: float,
    hold: float,
    smooth: float,
) -> tuple[np.ndarray | None, Loudness]:
    """Gain and limit ``x`` (measured at ``loudness``) with one limiter setting; None if it cannot reach the targets."""
    gain_db = target_lufs - loudness
    ceiling = max_true_peak - margin
    tried: list[tuple[float, float]] = []  # (gain, loudness) of each round
    level = Loudness(loudness, math.nan, math.nan)
    for _round in range(6):
        g = np.float32(10.0 ** (gain_db / 20.0))
        y = (x * g * _limiter_gain(peaks * g, 10.0 ** (ceiling / 20.0), sample_rate, hold, smooth)).astype(np.float32)
        level = measure_loudness(y, sample_rate, true_peak=False)
        tried.append((gain_db, level.integrated))
        if abs(level.integrated - target_lufs) > tolerance:
            # Secant step: the more the limiter works, the less loudness a dB of gain buys.
            slope = 1.0
            if len(tried) > 1 and tried[-1][0] != tried[-2][0]:
                slope = (tried[-1][1] - tried[-2][1]) / (tried[-1][0] - tried[-2][0])
            if slope < 0.05 and level.integrated < target_lufs:
                return None, level  # more gain buys no loudness: this limiter setting cannot get there
            gain_db += (target_lufs - level.integrated) / min(1.0, max(0.2, slope))
            continue
        level = measure_loudness(y, sample_rate)
        if level.true_peak < max_true_peak:
            return y, level
        ceiling -= level.true_peak - max_true_peak + 0.2  # the meter saw more than the limiter: aim lower
    return None, level


def _say(level: Loudness) -> str:
    return f"measured {level.integrated:.1f} LUFS, true peak {level.true_peak:.1f} dBTP"

"""Track assembly, the loudness meter and normalisation, on signals whose answers are known.

Reference values come from the standards, not from the code: a 1 kHz sine at full scale
measures -3.01 LUFS (ITU-R BS.1770), a sine's RMS is 3.01 dB under its peak, and a sine at
a quarter of the sample rate sampled 45 degrees off its peaks has samples 3 dB under its
true peak.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from explainer.voice import AudioClip, assemble_track, measure_loudness, normalize_loudness, rms_dbfs
from explainer.voice.loudness import limit_true_peak
from explainer.voice.meter import frame_rms_dbfs, window_rms_dbfs

SR = 48_000


def sine(seconds: float, freq: float, amp: float, phase: float = 0.0, rate: int = SR) -> np.ndarray:
    n = np.arange(round(seconds * rate))
    return (amp * np.sin(2 * np.pi * freq * n / rate + phase)).astype(np.float32)


def onset(x: np.ndarray, seconds: float = 0.05) -> np.ndarray:
    """Raised-cosine fade in and out, so a test tone has no edge transient of its own."""
    n = round(seconds * SR)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
    y = x.astype(np.float64).copy()
    y[:n] *= ramp
    y[-n:] *= ramp[::-1]
    return y.astype(np.float32)


def speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    """Voiced syllables (harmonics of 120 Hz) at four a second, each at its own level, pauses
    between phrases, and a few sharp clicks: as peaky as speech, or more."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * SR)) / SR
    voice = sum(np.sin(2 * np.pi * 120 * k * t + rng.uniform(0, 2 * np.pi)) / k for k in range(1, 30))
    syllable = np.floor(t * 4).astype(int)
    level = rng.uniform(0.1, 1.0, syllable[-1] + 1)[syllable]
    env = np.sin(np.pi * (t * 4 % 1.0)) ** 2 * level * (np.sin(2 * np.pi * 0.3 * t) > -0.5)
    x = 0.08 * voice * env
    for p in rng.integers(0, t.size - 200, 12):
        x[p : p + 48] += 0.9 * np.hanning(48) * env[p]
    return x.astype(np.float32)


def test_meter_reads_a_reference_sine():
    level = measure_loudness(sine(5.0, 1000.0, 0.1), SR)  # -20 dBFS peak
    assert level.integrated == pytest.approx(-23.01, abs=0.1)
    assert level.true_peak == pytest.approx(-20.0, abs=0.2)
    assert level.loudness_range == pytest.approx(0.0, abs=0.5)


def test_meter_sees_the_peak_between_samples():
    x = onset(sine(3.0, SR / 4, 0.5, phase=math.pi / 4))
    assert 20 * math.log10(np.abs(x).max()) == pytest.approx(-9.03, abs=0.05)  # samples miss the crest
    assert measure_loudness(x, SR).true_peak == pytest.approx(-6.02, abs=0.3)


def test_meter_on_silence_reads_its_floor():
    level = measure_loudness(np.zeros(SR * 2, dtype=np.float32), SR)
    assert level.integrated == pytest.approx(-70.0, abs=0.1) and level.true_peak == -math.inf


def test_rms_levels():
    square = np.where(np.arange(SR) % 100 < 50, 0.5, -0.5)
    assert rms_dbfs(square) == pytest.approx(20 * math.log10(0.5))
    assert rms_dbfs(sine(1.0, 1000.0, 1.0)) == pytest.approx(-3.01, abs=0.01)
    assert rms_dbfs(np.zeros(10)) == -math.inf and rms_dbfs(np.zeros(0)) == -math.inf
    x = np.concatenate([np.zeros(SR), sine(1.0, 1000.0, 1.0)])
    assert window_rms_dbfs(x, SR, 0.0, 1.0) == -math.inf
    assert window_rms_dbfs(x, SR, 1.0, 2.0) == pytest.approx(-3.01, abs=0.01)
    frames = frame_rms_dbfs(x, SR, window=0.5)
    assert frames.shape == (4,) and np.isneginf(frames[:2]).all() and frames[2:] == pytest.approx(-3.01, abs=0.01)


def _largest_step_at(track: np.ndarray, index: int, half: int = 48) -> float:
    return float(np.abs(np.diff(track[max(0, index - half) : index + half])).max())


def test_joins_do_not_click():
    # Worst case: a tone cut at its crest, so the clip starts and stops at 0.8 against silence.
    clip = AudioClip(sine(0.5, 1000.0, 0.8, phase=math.pi / 2), SR)
    own_step = float(np.abs(np.diff(clip.samples)).max())  # the tone's own largest step
    placements = [(0.25, clip), (1.0, clip)]
    joins = [round(0.25 * SR), round(0.25 * SR) + clip.frames, round(1.0 * SR), round(1.0 * SR) + clip.frames]
    hard = assemble_track(placements, 2.0, SR, fade=0.0)
    assert max(_largest_step_at(hard, j) for j in joins) > 0.7  # the check can see a click
    soft = assemble_track(placements, 2.0, SR)
    assert max(_largest_step_at(soft, j) for j in joins) <= own_step
    assert soft.size == 2 * SR and soft.dtype == np.float32
    # Between and around the clips: digital zero.
    assert np.count_nonzero(soft[: joins[0]]) == 0 and np.count_nonzero(soft[joins[1] : joins[2]]) == 0
    assert np.count_nonzero(soft[joins[3] :]) == 0
    # The fade touches only the edges: the middle of the clip is the clip.
    mid = slice(joins[0] + SR // 10, joins[1] - SR // 10)
    assert np.array_equal(soft[mid], clip.samples[SR // 10 : clip.frames - SR // 10])


@pytest.mark.parametrize(
    ("placements", "message"),
    [
        ([(0.5, 1.0), (1.2, 0.5)], r"clip at 1\.200 s starts before the clip at 0\.500 s has ended \(1\.500 s\)"),
        ([(1.5, 1.0)], r"ends at 2\.500 s, after the video's end 2\.000 s"),
        ([(-0.1, 0.5)], r"before the video"),
    ],
)
def test_track_refuses_impossible_timings(placements, message):
    clips = [(t, AudioClip(np.full(round(d * SR), 0.1, dtype=np.float32), SR)) for t, d in placements]
    with pytest.raises(ValueError, match=message):
        assemble_track(clips, 2.0, SR)


def test_track_refuses_a_clip_at_another_rate():
    with pytest.raises(ValueError, match="22050 Hz, the track at 48000 Hz"):
        assemble_track([(0.0, AudioClip(np.zeros(100, dtype=np.float32), 22_050))], 1.0, SR)


@pytest.mark.parametrize("scale", [0.05, 1.0, 3.0])
def test_normalised_track_meets_the_targets(scale):
    x = speechlike(20.0) * np.float32(scale)
    sr = SR
    out = normalize_loudness(x, sr)
    level = measure_loudness(out, sr)
    assert -17.0 <= level.integrated <= -15.0 and abs(level.integrated + 16.0) <= 0.5
    assert level.true_peak < -1.0
    assert np.array_equal(out == 0, x == 0)  # silence stays digital silence, and only silence is zero


def test_limiter_is_needed_and_touches_only_the_peaks():
    from scipy.ndimage import maximum_filter1d

    x = speechlike(20.0)
    before = measure_loudness(x, SR)
    assert before.true_peak + (-16.0 - before.integrated) > 0.0  # a gain alone to -16 LUFS would clip
    out = normalize_loudness(x, SR)
    assert measure_loudness(out, SR).true_peak < -1.0
    voiced = x != 0
    ratio = np.divide(out, x, out=np.ones_like(out), where=voiced)
    gain = np.max(ratio[voiced])  # the plain gain: what samples nowhere near a peak get
    # Samples that the gain takes within 3 dB of the limiter's ceiling (-1 dBTP less its 1 dB
    # margin), and 60 ms around them (the limiter's gain moves over 2 x 25 ms): everywhere else
    # the gain is plain.
    hot = np.abs(x) * gain > 10 ** ((-2.0 - 3.0) / 20)
    near = maximum_filter1d(hot.astype(np.uint8), round(0.12 * SR) | 1).astype(bool)
    far = voiced & ~near
    assert near.any() and far.sum() > 0.2 * voiced.sum()
    np.testing.assert_allclose(ratio[far], gain, rtol=1e-5)
    assert np.min(ratio[near & voiced]) < 0.7 * gain  # and near the peaks it did work


def test_dense_noise_still_reaches_the_targets():
    """A noisy take: every window is full of peaks, so only the faster limiter settings get there."""
    rng = np.random.default_rng(9)
    t = np.arange(10 * SR) / SR
    x = (0.1 * rng.standard_normal(t.size) * np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 2).astype(np.float32)
    level = measure_loudness(normalize_loudness(x, SR), SR)
    assert abs(level.integrated + 16.0) <= 0.5 and level.true_peak < -1.0, level


def test_limiter_leaves_quiet_audio_alone():
    x = speechlike(5.0) * np.float32(0.2)
    assert np.array_equal(limit_true_peak(x, SR, -1.0), x)


def test_silent_track_is_not_normalised():
    from explainer.voice import VoiceError

    with pytest.raises(VoiceError, match="silent"):
        normalize_loudness(np.zeros(SR, dtype=np.float32), SR)

"""The audio basics: clips, rate conversion, edge trimming, and reading the WAVs the voices write."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from explainer.voice import AudioClip
from explainer.voice.audio import resample, trim_silence, wav_bytes_to_samples


def test_clip_is_immutable_mono_with_exact_duration():
    data = np.zeros(48_000 * 2 + 24, dtype=np.float64)
    clip = AudioClip(data, 48_000)
    assert clip.samples.dtype == np.float32 and clip.duration == pytest.approx(2.0005)
    with pytest.raises(ValueError):
        clip.samples[0] = 1.0
    data[0] = 1.0  # the caller's array is not shared
    assert clip.samples[0] == 0.0
    with pytest.raises(ValueError, match="mono"):
        AudioClip(np.zeros((2, 10)), 48_000)


def test_resampling_keeps_duration_and_adds_no_images():
    rate = 22_050
    t = np.arange(rate * 2) / rate
    x = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    y = resample(x, rate, 48_000)
    assert abs(y.size / 48_000 - 2.0) < 1 / 48_000
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size))) ** 2
    freqs = np.fft.rfftfreq(y.size, 1 / 48_000)
    # A 1 kHz tone stays 1 kHz: nothing above the source's Nyquist frequency (11 025 Hz)
    # but resampling residue 60 dB down.
    assert freqs[np.argmax(spectrum)] == pytest.approx(1000, abs=2)
    assert spectrum[freqs > 11_300].sum() / spectrum.sum() < 1e-6
    assert np.sqrt(np.mean(y[4800:-4800] ** 2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)


def test_trim_keeps_a_margin_around_the_sound():
    x = np.zeros(48_000, dtype=np.float32)
    x[10_000:20_000] = 0.5
    x[5_000] = 1e-4  # below -50 dBFS: trimmed as silence
    y = trim_silence(x, 48_000, keep=0.01)
    assert y.size == 10_000 + 2 * 480
    assert trim_silence(np.zeros(100, dtype=np.float32), 48_000).size == 0


def _wav(samples: np.ndarray, rate: int, channels: int = 1) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.round(samples * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def test_wav_reader_reads_what_wave_wrote():
    x = np.linspace(-0.5, 0.5, 1000)
    samples, rate = wav_bytes_to_samples(_wav(x, 22_050))
    assert rate == 22_050 and samples.size == 1000
    np.testing.assert_allclose(samples, x, atol=1 / 32767)


def test_wav_reader_takes_a_pipe_header_with_placeholder_sizes():
    """espeak-ng --stdout cannot seek back, so its sizes say 0x7ffff000; the data is what follows."""
    data = bytearray(_wav(np.full(500, 0.25), 22_050))
    data[4:8] = (0x7FFFF000).to_bytes(4, "little")
    data[40:44] = (0x7FFFF000).to_bytes(4, "little")
    samples, _rate = wav_bytes_to_samples(bytes(data))
    assert samples.size == 500 and np.allclose(samples, 0.25, atol=1e-4)


def test_wav_reader_mixes_stereo_and_refuses_other_data():
    stereo = np.stack([np.full(10, 0.5), np.full(10, -0.5)], axis=1).reshape(-1)
    samples, _ = wav_bytes_to_samples(_wav(stereo, 8000, channels=2))
    assert samples.size == 10 and np.allclose(samples, 0.0, atol=1e-4)
    with pytest.raises(ValueError, match="not a WAV"):
        wav_bytes_to_samples(b"ID3 not a wav at all")

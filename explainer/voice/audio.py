"""Audio as the voice package passes it around: float32 mono samples at a known rate.

:class:`AudioClip` is the one value type (immutable samples, exact duration). The helpers
here convert between rates and read any audio file FFmpeg can decode; everything above
this module works on clips at the project's rate, :data:`SAMPLE_RATE`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import BinaryIO

import numpy as np

__all__ = ["SAMPLE_RATE", "AudioClip", "decode_audio", "resample", "trim_silence", "wav_bytes_to_samples"]

#: The rate of every clip and track the package produces: Opus (webm) only takes 48 kHz,
#: and AAC at 48 kHz is what video platforms expect.
SAMPLE_RATE = 48_000


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 samples in [-1, 1] at ``sample_rate``; the array is made read-only.

    The duration is exact: ``len(samples) / sample_rate``.
    """

    samples: np.ndarray
    sample_rate: int

    def __post_init__(self) -> None:
        samples = np.ascontiguousarray(self.samples, dtype=np.float32)
        if samples.ndim != 1:
            raise ValueError(f"an audio clip is mono: expected a 1-D array, got shape {samples.shape}")
        if self.sample_rate <= 0:
            raise ValueError(f"sample rate must be positive, got {self.sample_rate}")
        if samples is self.samples and samples.flags.writeable:
            samples = samples.copy()  # never freeze the caller's own array
        samples.flags.writeable = False
        object.__setattr__(self, "samples", samples)

    @property
    def frames(self) -> int:
        """Number of samples."""
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return self.frames / self.sample_rate


def resample(samples: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Change the rate of mono samples (polyphase, zero phase: no delay is added).

    The result has ``ceil(len * dst_rate / src_rate)`` samples, so a clip keeps its duration
    to within one sample.
    """
    x = np.asarray(samples, dtype=np.float32)
    if src_rate == dst_rate or x.size == 0:
        return x.copy()
    from scipy.signal import resample_poly

    g = gcd(src_rate, dst_rate)
    return resample_poly(x, dst_rate // g, src_rate // g).astype(np.float32)


def trim_silence(samples: np.ndarray, sample_rate: int, threshold_db: float = -50.0, keep: float = 0.01) -> np.ndarray:
    """Drop leading and trailing samples quieter than ``threshold_db`` dBFS, keeping ``keep`` seconds.

    A synthetic voice pads its output with near-silence of its own; trimming it makes the
    pauses between clauses exactly the ones the script asks for.
    """
    x = np.asarray(samples, dtype=np.float32)
    loud = np.flatnonzero(np.abs(x) > 10.0 ** (threshold_db / 20.0))
    if loud.size == 0:
        return x[:0].copy()
    margin = round(keep * sample_rate)
    return x[max(0, loud[0] - margin) : min(x.size, loud[-1] + 1 + margin)].copy()


def decode_audio(
    source: Path | str | BinaryIO, sample_rate: int = SAMPLE_RATE, container_format: str | None = None
) -> np.ndarray:
    """Decode the first audio stream of a file (any format FFmpeg reads) to mono float32.

    Channels are mixed down and the rate converted by FFmpeg's resampler.
    ``container_format`` forces FFmpeg's demuxer (e.g. ``"wav"``) instead of guessing. Raises
    ``av.error.FFmpegError`` (or ``ValueError`` for a file without an audio stream) when the
    data cannot be decoded.
    """
    import av

    if isinstance(source, str | Path):
        source = str(source)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    chunks: list[np.ndarray] = []
    with av.open(source, "r", format=container_format) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream")
        stream = container.streams.audio[0]
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray().reshape(-1))
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(chunks).astype(np.float32, copy=False)


def wav_bytes_to_samples(data: bytes) -> tuple[np.ndarray, int]:
    """Parse 16-bit PCM WAV bytes (as espeak-ng and piper write them) into float32 samples and rate.

    A WAV written to a pipe carries a placeholder size (the writer could not seek back): the
    data chunk is read up to its stated size or the end of the bytes, whichever comes first.
    """
    buf = io.BytesIO(data)
    if buf.read(4) != b"RIFF" or (buf.read(4), buf.read(4))[1] != b"WAVE":
        raise ValueError("not a WAV file")
    channels = rate = bits = None
    while True:
        head = buf.read(8)
        if len(head) < 8:
            raise ValueError("WAV file without a data chunk")
        kind, size = head[:4], int.from_bytes(head[4:], "little")
        if kind == b"fmt ":
            fmt = buf.read(size)
            fmt_code = int.from_bytes(fmt[0:2], "little")
            channels = int.from_bytes(fmt[2:4], "little")
            rate = int.from_bytes(fmt[4:8], "little")
            bits = int.from_bytes(fmt[14:16], "little")
            if fmt_code != 1 or bits != 16:
                raise ValueError(f"expected 16-bit PCM WAV, got format {fmt_code} with {bits} bits")
        elif kind == b"data":
            if channels is None or rate is None:
                raise ValueError("WAV data before its format")
            payload = buf.read(size)
            payload = payload[: len(payload) - len(payload) % (2 * channels)]
            pcm = np.frombuffer(payload, dtype="<i2").reshape(-1, channels).mean(axis=1)
            return (pcm / 32768.0).astype(np.float32), rate
        else:
            buf.seek(size + (size & 1), io.SEEK_CUR)

"""Measuring sound: loudness with FFmpeg's EBU R128 meter, and plain RMS energy.

:func:`measure_loudness` runs the samples through FFmpeg's ``ebur128`` filter (PyAV's
filter graph, the FFmpeg bundled in the ``av`` wheel) with true-peak metering on, and reads
its results from the frame metadata: integrated loudness (LUFS, gated as ITU-R BS.1770
says), loudness range (LU) and true peak (dBTP, from a 4x oversampled signal, not the
sample peak). The RMS helpers are for checks like "this speech window is loud enough and
that pause is silent".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

__all__ = ["Loudness", "frame_rms_dbfs", "measure_loudness", "rms_dbfs", "window_rms_dbfs"]

_CHUNK = 4096


@dataclass(frozen=True)
class Loudness:
    """One measurement: integrated loudness (LUFS), true peak (dBTP), loudness range (LU)."""

    integrated: float
    true_peak: float
    loudness_range: float


def measure_loudness(samples: np.ndarray, sample_rate: int, true_peak: bool = True) -> Loudness:
    """Measure mono float samples with FFmpeg's ``ebur128`` filter.

    A silent or very short signal measures ``-70`` LUFS (the meter's floor, below its
    absolute gate) and a true peak of ``-inf`` dBTP. ``true_peak=False`` skips the peak
    (its 4x oversampling is most of the meter's cost) and reports it as ``nan``.
    """
    import av
    from av.filter import Graph

    x = np.ascontiguousarray(samples, dtype=np.float32).reshape(1, -1)
    graph = Graph()
    src = graph.add_abuffer(format="flt", sample_rate=sample_rate, layout="mono", time_base=Fraction(1, sample_rate))
    meter = graph.add("ebur128", "metadata=1:peak=true" if true_peak else "metadata=1")
    sink = graph.add("abuffersink")
    src.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    last: dict[str, str] = {}

    def drain() -> None:
        nonlocal last
        while True:
            try:
                frame = graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            if frame.metadata:
                last = dict(frame.metadata)

    for i in range(0, x.shape[1], _CHUNK):
        frame = av.AudioFrame.from_ndarray(x[:, i : i + _CHUNK], format="flt", layout="mono")
        frame.sample_rate = sample_rate
        frame.pts = i
        frame.time_base = Fraction(1, sample_rate)
        graph.push(frame)
        drain()
    graph.push(None)
    drain()
    if not last:
        return Loudness(-70.0, -math.inf if true_peak else math.nan, 0.0)
    peak = float(last.get("lavfi.r128.true_peak", "0"))
    return Loudness(
        integrated=float(last["lavfi.r128.I"]),
        true_peak=math.nan if not true_peak else 20.0 * math.log10(peak) if peak > 0 else -math.inf,
        loudness_range=float(last.get("lavfi.r128.LRA", "0")),
    )


def rms_dbfs(samples: np.ndarray) -> float:
    """RMS level in dBFS (a full-scale square wave is 0); ``-inf`` for digital zero or no samples."""
    x = np.asarray(samples, dtype=np.float64)
    if x.size == 0:
        return -math.inf
    ms = float(np.mean(x * x))
    return 10.0 * math.log10(ms) if ms > 0 else -math.inf


def window_rms_dbfs(samples: np.ndarray, sample_rate: int, start: float, end: float) -> float:
    """RMS level in dBFS of the samples between ``start`` and ``end`` seconds."""
    a, b = max(0, round(start * sample_rate)), min(len(samples), round(end * sample_rate))
    return rms_dbfs(samples[a:b]) if b > a else -math.inf


def frame_rms_dbfs(samples: np.ndarray, sample_rate: int, window: float = 0.05) -> np.ndarray:
    """RMS level in dBFS of consecutive windows of ``window`` seconds (the last partial one dropped)."""
    n = max(1, round(window * sample_rate))
    x = np.asarray(samples, dtype=np.float64)
    frames = x[: x.size // n * n].reshape(-1, n)
    ms = np.mean(frames * frames, axis=1)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(ms)

"""Putting the narration into a finished video file.

The video stream is copied packet for packet (never re-encoded); the track is encoded in
the codec the container is for: AAC in MP4 (with the index at the front, ``+faststart``,
as :mod:`explainer.clip` writes MP4s), Opus in WebM, 16-bit PCM in MOV (the editing format,
where lossless sound is what an editor wants). GIF and PNG carry no sound. The track is
padded with silence or cut to the video's length, so sound and picture end together. The
file is written under a temporary name beside ``dst`` and moved into place when complete.
"""

from __future__ import annotations

import os
import secrets
from fractions import Fraction
from pathlib import Path

import numpy as np

__all__ = ["AUDIO_CODECS", "fit_to_duration", "mux_track", "video_duration"]

#: Container -> (FFmpeg muxer, audio encoder, bit rate in bit/s or None for PCM).
AUDIO_CODECS: dict[str, tuple[str, str, int | None]] = {
    "mp4": ("mp4", "aac", 128_000),
    "webm": ("webm", "libopus", 96_000),
    "mov": ("mov", "pcm_s16le", None),
}


def video_duration(path: Path | str) -> float:
    """Length of a file's first video stream: frames / frame rate (Manim writes constant rate)."""
    import av

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = sum(1 for p in c.demux(s) if p.size)
        rate = s.average_rate or s.guessed_rate or s.base_rate
        if not rate:
            raise ValueError(f"{path}: video stream has no frame rate")
        return frames / float(rate)


def fit_to_duration(track: np.ndarray, sample_rate: int, duration: float) -> np.ndarray:
    """The track padded with digital silence, or cut, to ``round(duration * sample_rate)`` samples."""
    n = round(duration * sample_rate)
    x = np.asarray(track, dtype=np.float32)
    if x.size >= n:
        return x[:n].copy()
    return np.concatenate([x, np.zeros(n - x.size, dtype=np.float32)])


def _temporary(dst: Path) -> Path:
    # Same pattern as explainer.output.atomic_write_bytes, so clean_stale_staging removes a
    # file a killed process left.
    return dst.with_name(f".{dst.name}.pid{os.getpid()}-{secrets.token_hex(4)}.part")


def _frame_samples(x: np.ndarray, fmt: str) -> np.ndarray:
    if fmt.startswith("s16"):
        return np.round(np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16).reshape(1, -1)
    return np.ascontiguousarray(x, dtype=np.float32).reshape(1, -1)


def mux_track(video: Path | str, track: np.ndarray, sample_rate: int, dst: Path | str) -> Path:
    """Write ``dst``: the video stream of ``video`` plus ``track`` as its one audio stream.

    Parameters
    ----------
    video
        A finished (silent) video: mp4, webm or mov. An audio stream in it is replaced.
    track
        Mono float32 samples (e.g. from :func:`assemble_track` and :func:`normalize_loudness`).
    sample_rate
        The track's rate (48 kHz for webm: Opus takes no other).
    dst
        The narrated file; its suffix picks the audio codec. May be the same path as ``video``.

    Returns
    -------
    Path
        ``dst``.

    Raises
    ------
    ValueError
        ``dst`` is a gif/png (no sound) or another format without an audio codec here.
    """
    import av

    video, dst = Path(video), Path(dst)
    kind = dst.suffix.lower().lstrip(".")
    if kind not in AUDIO_CODECS:
        raise ValueError(f"{dst.name}: a .{kind} file carries no sound (narration needs mp4, webm or mov)")
    muxer, codec, bit_rate = AUDIO_CODECS[kind]
    samples = fit_to_duration(track, sample_rate, video_duration(video))
    tmp = _temporary(dst)
    options = {"movflags": "+faststart"} if kind == "mp4" else {}
    try:
        with av.open(str(video)) as inp, av.open(str(tmp), "w", format=muxer, options=options) as out:
            vin = inp.streams.video[0]
            vout = out.add_stream_from_template(vin)
            aout = out.add_stream(codec, rate=sample_rate, layout="mono")
            if bit_rate:
                aout.bit_rate = bit_rate
            formats = {f.name for f in aout.codec_context.codec.audio_formats or ()}
            for wanted in ("fltp", "flt"):  # float input when the encoder takes it: no rounding to 16 bits first
                if wanted in formats:
                    aout.codec_context.format = wanted
                    break
            aout.codec_context.open()
            fmt = aout.codec_context.format.name
            step = aout.codec_context.frame_size or 1024
            tb = Fraction(1, sample_rate)
            done = 0

            def encode_until(t: float | None) -> None:
                nonlocal done
                stop = samples.size if t is None else min(samples.size, round(t * sample_rate))
                while done < stop:
                    chunk = samples[done : done + step]
                    frame = av.AudioFrame.from_ndarray(_frame_samples(chunk, fmt), format=fmt, layout="mono")
                    frame.sample_rate = sample_rate
                    frame.pts = done
                    frame.time_base = tb
                    out.mux(aout.encode(frame))
                    done += chunk.size

            for packet in inp.demux(vin):
                if packet.dts is None:  # the demuxer's flush packet
                    continue
                if packet.pts is not None:
                    encode_until(float(packet.pts * vin.time_base))
                packet.stream = vout
                out.mux(packet)
            encode_until(None)
            out.mux(aout.encode(None))
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dst

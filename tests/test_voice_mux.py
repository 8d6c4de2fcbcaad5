"""Narration into finished videos: one audio stream of the container's codec, ending with the picture.

Videos are made here with PyAV in the codecs Manim writes (H.264 in MP4, VP9 in WebM,
QuickTime RLE in MOV); everything is read back with PyAV's demuxers and decoders.
"""

from __future__ import annotations

import struct
from pathlib import Path

import av
import numpy as np
import pytest

from explainer.voice import SAMPLE_RATE, measure_loudness, mux_track, normalize_loudness, window_rms_dbfs

FPS = 60  # one frame is 16.7 ms: the tolerance for "ends together"
VIDEO_CODECS = {"mp4": ("libx264", "yuv420p"), "webm": ("libvpx-vp9", "yuv420p"), "mov": ("qtrle", "argb")}
AUDIO = {"mp4": "aac", "webm": "opus", "mov": "pcm_s16le"}


def make_video(path: Path, seconds: float, fps: int = FPS, size: tuple[int, int] = (64, 36)) -> int:
    """A silent video of moving bars; returns its frame count."""
    kind = path.suffix[1:]
    codec, pix = VIDEO_CODECS[kind]
    frames = round(seconds * fps)
    options = {"movflags": "+faststart"} if kind == "mp4" else {}
    with av.open(str(path), "w", options=options) as c:
        s = c.add_stream(codec, rate=fps)
        s.width, s.height = size
        s.pix_fmt = pix
        for i in range(frames):
            img = np.zeros((size[1], size[0], 3), np.uint8)
            img[:, : (i * 3) % size[0]] = (200, 120, 40)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            c.mux(s.encode(frame))
        c.mux(s.encode(None))
    return frames


def tone_track(seconds: float, start: float, end: float) -> np.ndarray:
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    x = 0.3 * np.sin(2 * np.pi * 440 * t) * ((t >= start) & (t < end))
    return x.astype(np.float32)


def video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.video[0]) if p.size]


def decoded_audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as c:
        chunks = [f.to_ndarray().astype(np.float32).reshape(-1) for f in c.decode(c.streams.audio[0])]
    x = np.concatenate(chunks)
    return x / 32768.0 if np.abs(x).max() > 2 else x  # s16 decoders give integers


def top_level_boxes(path: Path) -> list[str]:
    data = path.read_bytes()
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        boxes.append(kind.decode("latin-1"))
        if size < 8:
            break
        pos += size
    return boxes


@pytest.mark.parametrize("kind", ["mp4", "webm", "mov"])
@pytest.mark.parametrize("track_seconds", [1.2, 2.5], ids=["short-track-padded", "long-track-cut"])
def test_narrated_video_has_one_audio_stream_ending_with_the_picture(tmp_path, kind, track_seconds):
    src = tmp_path / f"silent.{kind}"
    frames = make_video(src, 1.5)
    video_seconds = frames / FPS
    track = tone_track(track_seconds, 0.3, 1.0)
    dst = mux_track(src, track, SAMPLE_RATE, tmp_path / f"narrated.{kind}")
    assert dst == tmp_path / f"narrated.{kind}"
    with av.open(str(dst)) as c:
        assert len(c.streams.video) == 1 and len(c.streams.audio) == 1
        a = c.streams.audio[0]
        assert a.codec_context.name == AUDIO[kind]
        assert a.sample_rate == SAMPLE_RATE and a.codec_context.layout.name == "mono"
        if a.duration is not None:  # mp4/mov store it; webm does not
            assert abs(float(a.duration * a.time_base) - video_seconds) <= 1 / FPS
    assert video_packets(dst) == video_packets(src)  # the picture is copied, not re-encoded
    audio = decoded_audio(dst)
    assert abs(audio.size / SAMPLE_RATE - video_seconds) <= 1 / FPS
    # The sound is where the track put it.
    assert window_rms_dbfs(audio, SAMPLE_RATE, 0.35, 0.95) > -15.0
    assert window_rms_dbfs(audio, SAMPLE_RATE, 0.0, 0.25) < -60.0
    assert window_rms_dbfs(audio, SAMPLE_RATE, 1.05, video_seconds) < -60.0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([src.name, dst.name])  # no temporary left


def test_mp4_keeps_its_index_in_front(tmp_path):
    src = tmp_path / "silent.mp4"
    make_video(src, 1.0)
    dst = mux_track(src, tone_track(1.0, 0.1, 0.9), SAMPLE_RATE, tmp_path / "narrated.mp4")
    boxes = top_level_boxes(dst)
    assert "moov" in boxes and "mdat" in boxes
    assert boxes.index("moov") < boxes.index("mdat"), boxes


@pytest.mark.parametrize("kind", ["mp4", "webm"])
def test_loudness_survives_the_lossy_encoder(tmp_path, kind):
    from scipy.signal import butter, sosfilt

    # Noise in syllable bursts, band-limited like speech (white noise up to 24 kHz would lose
    # its top band to the encoder's 20 kHz low-pass: a property of the signal, not of the mux).
    rng = np.random.default_rng(5)
    t = np.arange(4 * SAMPLE_RATE) / SAMPLE_RATE
    bursts = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 2
    band = butter(6, [100, 7000], btype="band", fs=SAMPLE_RATE, output="sos")
    voice_band = sosfilt(band, rng.standard_normal(t.size))
    track = normalize_loudness((0.2 * voice_band * bursts).astype(np.float32), SAMPLE_RATE)
    src = tmp_path / f"silent.{kind}"
    make_video(src, 4.0, fps=30)
    audio = decoded_audio(mux_track(src, track, SAMPLE_RATE, tmp_path / f"narrated.{kind}"))
    level = measure_loudness(audio, SAMPLE_RATE)
    assert -17.0 <= level.integrated <= -15.0 and level.true_peak < -1.0, level


def test_in_place_replaces_the_silent_file(tmp_path):
    video = tmp_path / "clip.webm"
    make_video(video, 1.0)
    mux_track(video, tone_track(1.0, 0.0, 0.5), SAMPLE_RATE, video)
    with av.open(str(video)) as c:
        assert len(c.streams.audio) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["clip.webm"]


@pytest.mark.parametrize("kind", ["gif", "png"])
def test_formats_without_sound_are_refused(tmp_path, kind):
    src = tmp_path / "silent.mp4"
    make_video(src, 0.5)
    with pytest.raises(ValueError, match=rf"a \.{kind} file carries no sound"):
        mux_track(src, tone_track(0.5, 0, 0.5), SAMPLE_RATE, tmp_path / f"clip.{kind}")
    assert [p.name for p in tmp_path.iterdir()] == ["silent.mp4"]


def test_failed_mux_leaves_nothing(tmp_path):
    src = tmp_path / "broken.mp4"
    src.write_bytes(np.random.default_rng(2).bytes(4000))
    with pytest.raises(av.error.FFmpegError):
        mux_track(src, tone_track(0.5, 0, 0.5), SAMPLE_RATE, tmp_path / "out.mp4")
    assert [p.name for p in tmp_path.iterdir()] == ["broken.mp4"]

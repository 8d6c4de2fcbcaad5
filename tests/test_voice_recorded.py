"""Recorded takes: real files in four formats, encoded here with PyAV, decoded back by the loader.

Durations are known because the test wrote them; every bad take gives one line naming the
section and the expected file.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest

from explainer.voice import SAMPLE_RATE, Pauses, TakeError, load_take, load_takes, narrate_recorded, rms_dbfs


def encode(path: Path, samples: np.ndarray, rate: int, channels: int, codec: str, container: str | None = None) -> None:
    """Write ``samples`` (mono float) as an audio file with ``codec``, duplicated to ``channels``."""
    layout = "mono" if channels == 1 else "stereo"
    x = np.asarray(samples, dtype=np.float32)
    with av.open(str(path), "w", format=container) as c:
        s = c.add_stream(codec, rate=rate, layout=layout)
        s.codec_context.open()
        fmt = s.codec_context.format
        step = s.codec_context.frame_size or 1024
        for i in range(0, x.size, step):
            chunk = np.repeat(x[None, i : i + step], channels, axis=0)
            if fmt.name.startswith("s16"):
                chunk = np.round(chunk * 32767).astype(np.int16)
            elif fmt.name.startswith("s32"):
                chunk = np.round(chunk * 2147483647.0).astype(np.int32)
            if not fmt.is_planar:
                chunk = chunk.T.reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format=fmt.name, layout=layout)
            frame.sample_rate = rate
            frame.pts = i
            c.mux(s.encode(frame))
        c.mux(s.encode(None))


def tone(seconds: float, rate: int, freq: float = 440.0, level: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return level * np.sin(2 * np.pi * freq * t)


def noise(seconds: float, rate: int, level: float = 0.2) -> np.ndarray:
    return level * np.random.default_rng(7).uniform(-1, 1, round(seconds * rate))


# (file name, codec, container, rate, channels, seconds, signal, duration tolerance in s).
# Lossy codecs pad to whole frames; FFmpeg's mp3 demuxer trims the padding from the LAME
# header, AAC in an m4a keeps up to one frame (1024 samples) more.
FORMATS = [
    ("01_intro.wav", "pcm_s16le", None, 44_100, 2, 1.25, tone, 1 / 44_100),
    ("02_step.flac", "flac", None, 48_000, 1, 2.5, noise, 1 / 48_000),
    ("03_step.mp3", "libmp3lame", None, 44_100, 2, 1.75, tone, 1152 / 44_100),
    ("04_outro.m4a", "aac", "ipod", 48_000, 2, 3.0, noise, 1024 / 48_000),
]


@pytest.mark.parametrize(("name", "codec", "container", "rate", "channels", "seconds", "signal", "tol"), FORMATS)
def test_take_decodes_with_its_duration(tmp_path, name, codec, container, rate, channels, seconds, signal, tol):
    path = tmp_path / name
    encode(path, signal(seconds, rate), rate, channels, codec, container)
    clip = load_take("s", path)
    assert clip.sample_rate == SAMPLE_RATE
    assert clip.samples.dtype == np.float32 and clip.samples.ndim == 1
    assert abs(clip.duration - seconds) <= tol + 1 / SAMPLE_RATE
    # The sound is there, at about the level written (downmixing two equal channels may add up to 3 dB).
    written = rms_dbfs(signal(seconds, rate))
    assert written - 1.0 < rms_dbfs(clip.samples) < written + 4.0


def test_narration_from_takes_plays_each_take_in_its_section(tmp_path):
    encode(tmp_path / "01_intro.wav", tone(1.0, 48_000), 48_000, 1, "pcm_s16le")
    encode(tmp_path / "02_step.flac", tone(2.0, 48_000), 48_000, 1, "flac")
    script = {"intro": ["Hello,", "and welcome."], "step": ["One step."]}
    files = {"intro": "01_intro.wav", "step": "02_step.flac"}
    n = narrate_recorded(script, tmp_path, files, pauses=Pauses(section=0.5))
    assert not n.exact and n.synthesized == 0
    intro, step = n.sections
    assert intro.speech == pytest.approx(1.0) and step.speech == pytest.approx(2.0)
    assert intro.duration == pytest.approx(1.5)
    assert [c.text for c in intro.clauses] == ["Hello,", "and welcome."]
    # Estimated clause spans tile the take in order, proportional to their letters (5 : 10).
    a, b = intro.clauses
    assert a.start == pytest.approx(0.0, abs=1e-3) and a.end == pytest.approx(b.start)
    assert b.end == pytest.approx(1.0, abs=1e-3)
    assert (a.end - a.start) / (b.end - b.start) == pytest.approx(5 / 10, rel=0.01)
    starts = n.sequential_starts()
    assert starts == pytest.approx([0.0, 1.5])
    assert [t for t, _clip in n.placements(starts)] == pytest.approx([0.0, 1.5])


def test_takes_load_in_order(tmp_path):
    encode(tmp_path / "a.wav", tone(0.5, 48_000), 48_000, 1, "pcm_s16le")
    encode(tmp_path / "b.wav", tone(0.75, 48_000), 48_000, 1, "pcm_s16le")
    takes = load_takes({"one": tmp_path / "a.wav", "two": tmp_path / "b.wav"})
    assert list(takes) == ["one", "two"]
    assert [round(c.duration, 3) for c in takes.values()] == [0.5, 0.75]


def _bad_take(tmp_path: Path, kind: str) -> Path:
    if kind == "missing":
        return tmp_path / "03_step_01.wav"
    path = tmp_path / "03_step_01.wav"
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "corrupt":
        path.write_bytes(np.random.default_rng(3).bytes(20_000))
    elif kind == "header only":
        encode(path, tone(0.5, 48_000), 48_000, 1, "pcm_s16le")
        path.write_bytes(path.read_bytes()[:44])
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        ("missing", "is missing"),
        ("empty", "is empty"),
        ("corrupt", "is corrupt or not a valid WAV file"),
        ("header only", "is corrupt or not a valid WAV file"),
        ("folder", "cannot be read"),
    ],
)
def test_bad_take_is_one_line_naming_section_and_file(tmp_path, kind, problem):
    path = _bad_take(tmp_path, kind)
    with pytest.raises(TakeError) as info:
        load_take("03_step_01", path)
    msg = str(info.value)
    assert "\n" not in msg
    assert "'03_step_01'" in msg and str(path) in msg and problem in msg
    assert info.value.section == "03_step_01" and info.value.path == path


def test_corrupt_flac_is_not_taken_for_silence(tmp_path):
    path = tmp_path / "take.flac"
    path.write_bytes(np.random.default_rng(4).bytes(20_000))
    with pytest.raises(TakeError, match="not a valid FLAC file"):
        load_take("intro", path)


def test_mp3_bytes_named_wav_are_refused(tmp_path):
    """The demuxer comes from the name: a file that is not what its name says is not guessed at."""
    path = tmp_path / "take.wav"
    encode(path, tone(0.5, 44_100), 44_100, 1, "libmp3lame", "mp3")
    with pytest.raises(TakeError, match="not a valid WAV file"):
        load_take("intro", path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway; see the test below")
def test_unreadable_take_chmod(tmp_path):
    path = tmp_path / "take.wav"
    encode(path, tone(0.5, 48_000), 48_000, 1, "pcm_s16le")
    path.chmod(0)
    try:
        with pytest.raises(TakeError, match=r"take\.wav cannot be read \(permission denied\)"):
            load_take("intro", path)
    finally:
        path.chmod(0o644)


def test_unreadable_take_permission_error(tmp_path, monkeypatch):
    """As root, chmod cannot make a file unreadable; the open() the loader does is made to refuse instead."""
    path = tmp_path / "take.wav"
    encode(path, tone(0.5, 48_000), 48_000, 1, "pcm_s16le")
    real_open = open

    def refusing_open(file, *args, **kwargs):
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(TakeError) as info:
        load_take("intro", path)
    assert str(info.value) == f"recorded take for section 'intro': {path} cannot be read (permission denied)"


def test_narration_stops_at_a_missing_take(tmp_path):
    encode(tmp_path / "01.wav", tone(0.5, 48_000), 48_000, 1, "pcm_s16le")
    with pytest.raises(TakeError, match=r"'step'.*02\.wav is missing"):
        narrate_recorded({"intro": ["Hi."], "step": ["Go."]}, tmp_path, {"intro": "01.wav", "step": "02.wav"})

"""Narrated clips: the script spoken, the scene timed to it, the sound measured as a viewer would hear it.

The renders are small (3 steps at ``-q l``) and use the light voice (espeak-ng) where the
voice itself does not matter, the neural one (piper) once. Loudness is read with FFmpeg's
``ebur128`` meter (through PyAV), durations with PyAV, captions with the ``srt`` package.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import srt

from explainer.cli import main
from explainer.voice import SAMPLE_RATE, decode_audio, measure_loudness, window_rms_dbfs

TINY = """\
title: "Tiny narrated"
sequence: {kind: custom, values: [0.5, -0.2, 0.3]}
rnn: {w_x: 0.5, w_h: 0.8, b: 0.1}
style: {fast_after: 2}
output: {quality: l}
"""


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def write_config(folder: Path, name: str, narration: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(TINY + narration, encoding="utf-8")
    return path


def tone(path: Path, seconds: float, freq: float = 330.0) -> None:
    """A sine take of ``seconds`` at -12 dBFS, as a 48 kHz mono WAV (PyAV)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    samples = (0.25 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    with av.open(str(path), "w", format="wav") as c:
        s = c.add_stream("pcm_s16le", rate=SAMPLE_RATE, layout="mono")
        frame = av.AudioFrame.from_ndarray((samples * 32767).astype(np.int16)[None], format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        for packet in s.encode(frame):
            c.mux(packet)
        for packet in s.encode(None):
            c.mux(packet)


def streams(path: Path) -> dict[str, Any]:
    with av.open(str(path)) as c:
        video = c.streams.video[0]
        audio = list(c.streams.audio)
        return {
            "audio": len(audio),
            "codec": audio[0].codec_context.name if audio else None,
            "video_seconds": float(video.duration * video.time_base),
            "audio_seconds": float(audio[0].duration * audio[0].time_base) if audio else 0.0,
            "fps": float(video.average_rate),
        }


# ----------------------------------------------------------------------------- bad takes: one line, nothing written


@pytest.mark.parametrize("problem", ["missing", "corrupt", "empty"])
def test_a_bad_take_is_one_line_naming_its_passage_and_file_and_writes_nothing(tmp_path: Path, problem: str) -> None:
    takes = tmp_path / "takes"
    takes.mkdir()
    from explainer.config import load_config
    from explainer.runs import build_spec
    from explainer.words import take_name

    cfg_path = write_config(tmp_path, "rec", "narration: {voice: recorded, takes: takes}\n")
    spec = build_spec(load_config(cfg_path))
    names = [take_name(i, p.name) for i, p in enumerate(spec.script.passages)]
    for n in names[1:]:
        tone(takes / f"{n}.wav", 1.0)
    first = takes / f"{names[0]}.wav"
    if problem == "corrupt":
        first.write_bytes(b"RIFF not really a wave file at all")
    elif problem == "empty":
        first.write_bytes(b"")
    out = tmp_path / "out"
    code, stdout, err = cli("render", str(cfg_path), "-o", str(out))
    assert code == 2, err
    assert err.count("\n") == 1 and names[0] in err and str(first) in err
    assert not (out / "rec").exists()


# ----------------------------------------------------------------------------- a narrated clip, measured


@pytest.fixture(scope="module")
def narrated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("narrated")
    cfg = write_config(folder, "light", "narration: {voice: light}\n")
    out = folder / "out"
    code, stdout, err = cli("render", str(cfg), "-o", str(out), "--force")
    assert code == 0, err
    clip = out / "light"
    meta = json.loads((clip / "light.json").read_text())
    code2, _, err2 = cli("render", str(cfg), "-o", str(out), "--force")
    assert code2 == 0, err2
    meta2 = json.loads((clip / "light.json").read_text())
    return {"clip": clip, "meta": meta, "meta2": meta2, "audio": decode_audio(clip / "light.mp4", SAMPLE_RATE)}


@pytest.mark.slow
def test_one_audio_stream_that_ends_with_the_video(narrated: dict[str, Any]) -> None:
    info = streams(narrated["clip"] / "light.mp4")
    assert info["audio"] == 1 and info["codec"] == "aac"
    assert abs(info["audio_seconds"] - info["video_seconds"]) <= 1.0 / info["fps"] + 1e-3


@pytest.mark.slow
def test_loudness_is_at_the_online_video_target(narrated: dict[str, Any]) -> None:
    level = measure_loudness(narrated["audio"], SAMPLE_RATE)
    assert -17.0 <= level.integrated <= -15.0
    assert level.true_peak < -1.0
    assert narrated["meta"]["narration"]["loudness_lufs"] == pytest.approx(level.integrated, abs=0.5)


@pytest.mark.slow
def test_every_clause_is_heard_where_it_is_said_and_the_pauses_are_silent(narrated: dict[str, Any]) -> None:
    x, meta = narrated["audio"], narrated["meta"]
    spoken_until = []
    for passage in meta["script"]:
        # Speech starts at the passage's start and fills its clauses' time.
        t = passage["start"]
        for clause in passage["clauses"]:
            assert window_rms_dbfs(x, SAMPLE_RATE, t + 0.05, t + max(0.1, clause["seconds"] - 0.5)) > -40.0, clause
            t += clause["seconds"]
        spoken_until.append((t, passage["end"]))
    # After a passage's speech (and its breath) the screen may hold in silence: digital zero.
    quiet = [(a + 0.05, b - 0.05) for a, b in spoken_until if b - a > 0.3]
    for a, b in quiet:
        level = window_rms_dbfs(x, SAMPLE_RATE, a, b)
        assert level < -80.0 or math.isinf(level), (a, b, level)


@pytest.mark.slow
def test_captions_follow_the_speech_and_keep_the_reading_rules(narrated: dict[str, Any]) -> None:
    x = narrated["audio"]
    cues = list(srt.parse((narrated["clip"] / "light.srt").read_text(encoding="utf-8")))
    assert cues
    for cue in cues:
        a, b = cue.start.total_seconds(), cue.end.total_seconds()
        assert b - a >= 1.0 - 1e-3
        assert len(cue.content) / (b - a) <= 20.0 + 1e-6
        assert all(len(line) <= 42 for line in cue.content.split("\n")) and cue.content.count("\n") <= 1
        assert window_rms_dbfs(x, SAMPLE_RATE, a, b) > -40.0, cue.content  # something is said while it is up


@pytest.mark.slow
def test_a_second_render_synthesizes_nothing(narrated: dict[str, Any]) -> None:
    assert narrated["meta"]["narration"]["synthesized"] > 0
    assert narrated["meta2"]["narration"]["synthesized"] == 0
    assert narrated["meta2"]["duration"] == pytest.approx(narrated["meta"]["duration"], abs=1e-6)


@pytest.mark.slow
def test_sections_last_as_long_as_their_speech(narrated: dict[str, Any]) -> None:
    meta = narrated["meta"]
    for passage in meta["script"]:
        speech = sum(c["seconds"] for c in passage["clauses"])
        assert passage["end"] - passage["start"] >= speech - 1e-3, passage["name"]


# ----------------------------------------------------------------------------- recorded takes


@pytest.mark.slow
def test_recorded_takes_stretch_each_section_to_its_take(tmp_path: Path) -> None:
    from explainer.config import load_config
    from explainer.runs import build_spec
    from explainer.words import take_name

    takes = tmp_path / "takes"
    takes.mkdir()
    cfg_path = write_config(tmp_path, "rec", "narration: {voice: recorded, takes: takes}\n")
    passages = build_spec(load_config(cfg_path)).script.passages
    lengths = {}
    for i, p in enumerate(passages):
        lengths[p.name] = 2.0 + 1.5 * (i % 3)  # 2, 3.5 or 5 s: longer than most animations here
        tone(takes / f"{take_name(i, p.name)}.wav", lengths[p.name], freq=220.0 + 40 * i)
    out = tmp_path / "out"
    code, _, err = cli("render", str(cfg_path), "-o", str(out))
    assert code == 0, err
    meta = json.loads((out / "rec" / "rec.json").read_text())
    x = decode_audio(out / "rec" / "rec.mp4", SAMPLE_RATE)
    for passage in meta["script"]:
        take = lengths[passage["name"]]
        assert passage["end"] - passage["start"] >= take - 1e-3, passage["name"]
        # The take plays from the passage's start.
        assert window_rms_dbfs(x, SAMPLE_RATE, passage["start"] + 0.1, passage["start"] + take - 0.1) > -30.0
    assert -17.0 <= measure_loudness(x, SAMPLE_RATE).integrated <= -15.0


@pytest.mark.slow
def test_the_neural_voice_narrates_offline(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "neural", "narration: {voice: neural}\n")
    code, _, err = cli("render", str(cfg), "-o", str(tmp_path / "out"))
    assert code == 0, err
    meta = json.loads((tmp_path / "out" / "neural" / "neural.json").read_text())
    assert meta["narration"]["identity"].startswith("piper-tts")
    x = decode_audio(tmp_path / "out" / "neural" / "neural.mp4", SAMPLE_RATE)
    assert -17.0 <= measure_loudness(x, SAMPLE_RATE).integrated <= -15.0

"""End to end: ``render.py render`` makes real clips whose files agree with each other.

Slow: every test renders real video at ``-q l`` (854x480, 15 fps) with short pacing.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

SHORT = """\
title: "Three steps"
sequence: {kind: sine, length: 3}
rnn: {activation: tanh, w_x: 0.5, w_h: 0.8, b: 0.1}
style: {step_seconds: 0.5, fast_after: 1, fast_step_seconds: 0.3}
output: {quality: l}
"""

COMPARE = """\
title: "Two activations"
scene: compare
sequence: {kind: alternating, length: 3}
rnn: {w_x: 1.0, w_h: 0.9}
compare: {field: rnn.activation, values: [tanh, relu]}
style: {step_seconds: 0.5, fast_after: 1, fast_step_seconds: 0.3, theme: light}
output: {quality: l}
"""


def render(cfg: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), "render", str(cfg), "-o", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def srt_blocks(text: str) -> list[tuple[float, float, str]]:
    def secs(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    blocks = []
    for i, block in enumerate(text.strip().split("\n\n"), start=1):
        lines = block.split("\n")
        assert lines[0] == str(i), block
        m = re.fullmatch(r"(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)", lines[1])
        assert m, block
        blocks.append((secs(m.group(1)), secs(m.group(2)), " ".join(lines[2:])))
    return blocks


@pytest.fixture(scope="module")
def short_clip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    tmp = tmp_path_factory.mktemp("e2e")
    cfg = tmp / "three.yaml"
    cfg.write_text(SHORT)
    out = tmp / "out"
    return cfg, out, render(cfg, out)


def test_mp4_matches_the_section_timings(short_clip: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    cfg, out, res = short_clip
    assert res.returncode == 0, res.stderr[-3000:]
    clip = out / "three"
    meta = json.loads((clip / "three.json").read_text())
    sections = meta["sections"]
    assert [s["title"] for s in sections if s["title"].startswith("t = ")] == ["t = 1", "t = 2", "t = 3"]
    for a, b in zip(sections, sections[1:], strict=False):
        assert b["start"] == pytest.approx(a["end"], abs=1e-6)  # no gaps, no overlaps
    expected = sections[-1]["end"]
    with av.open(str(clip / "three.mp4")) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert (s.codec_context.width, s.codec_context.height) == (854, 480)
        assert float(s.average_rate) == pytest.approx(15, abs=0.01)
        frames = sum(1 for _ in c.decode(s))
        duration = float(c.duration / av.time_base)
    assert duration == pytest.approx(expected, abs=0.15)
    assert frames == pytest.approx(expected * 15, abs=2)
    assert meta["video"]["frames"] == frames
    head = (clip / "three.mp4").read_bytes()
    assert 0 < head.find(b"moov") < head.find(b"mdat"), "index not at the front: +faststart missing"


def test_captions_chapters_thumbnail_and_metadata_agree(
    short_clip: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    cfg, out, res = short_clip
    assert res.returncode == 0, res.stderr[-3000:]
    clip = out / "three"
    meta = json.loads((clip / "three.json").read_text())
    blocks = srt_blocks((clip / "three.srt").read_text())
    # The .srt is the metadata's cues; each section's cues, read in order, are its caption's words.
    assert [(b[0], b[1]) for b in blocks] == [
        (pytest.approx(c["start"], abs=0.001), pytest.approx(c["end"], abs=0.001)) for c in meta["captions"]
    ]
    assert [b[2] for b in blocks] == [" ".join(c["text"].split("\n")) for c in meta["captions"]]
    captioned = [s for s in meta["sections"] if s["caption"] and s["end"] > s["start"]]
    for sec in captioned:
        inside = [text for start, end, text in blocks if sec["start"] - 0.001 <= start < sec["end"] - 0.001]
        assert " ".join(inside).split() == sec["caption"].split(), sec["title"]
    # the step captions carry the engine's numbers
    trace = json.loads(
        subprocess.run(
            [sys.executable, "render.py", "trace", str(cfg), "--json"], cwd=ROOT, capture_output=True, text=True
        ).stdout
    )
    assert meta["trace"] == trace
    h1 = f"{trace['runs'][0]['h'][0]:.2f}"
    step1 = next(sec for sec in captioned if sec["title"] == "t = 1")
    assert h1 in " ".join(text for start, _, text in blocks if step1["start"] - 0.001 <= start < step1["end"] - 0.001)
    chapters = (clip / "three.chapters.txt").read_text().splitlines()
    assert chapters[0].startswith("0:00 ")
    img = np.asarray(Image.open(clip / "three.png").convert("RGB"))
    assert img.shape == (480, 854, 3)
    assert img.std() > 10, "thumbnail is a flat (blank) frame"
    assert meta["hash"] and meta["versions"]["manim"].startswith("0.22")
    assert meta["config"]["sequence"]["length"] == 3


def test_second_render_is_served_from_the_cache_untouched(
    short_clip: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    cfg, out, res = short_clip
    assert res.returncode == 0
    files = sorted((out / "three").iterdir())
    before = {p.name: p.stat().st_mtime_ns for p in files}
    again = render(cfg, out)
    assert again.returncode == 0
    assert "up to date" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in sorted((out / "three").iterdir())} == before


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupted_forced_render_keeps_the_previous_good_clip(
    short_clip: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    cfg, out, res = short_clip
    assert res.returncode == 0
    clip = out / "three"
    before = {p.name: p.read_bytes() for p in clip.iterdir()}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "render.py"), "render", str(cfg), "-o", str(out), "--force"],
        cwd=ROOT,
        # Ctrl-C as in a terminal, even when the suite runs as a background job (whose
        # children start with SIGINT ignored, and Python then keeps it ignored).
        preexec_fn=_sigint_default,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # wait until the render is under way (its staging folder exists), then Ctrl-C
    deadline = time.monotonic() + 120
    while not any(p.name.startswith(".staging-") for p in out.iterdir()):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert {p.name: p.read_bytes() for p in clip.iterdir()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


def test_png_format_writes_the_last_frame_only(tmp_path: Path) -> None:
    cfg = tmp_path / "still.yaml"
    cfg.write_text(SHORT)
    res = render(cfg, tmp_path / "out", "--format", "png")
    assert res.returncode == 0, res.stderr[-3000:]
    names = sorted(p.name for p in (tmp_path / "out" / "still").iterdir())
    assert names == ["still.chapters.txt", "still.json", "still.png", "still.script.md", "still.srt"]
    img = np.asarray(Image.open(tmp_path / "out" / "still" / "still.png").convert("RGB"))
    assert img.shape == (480, 854, 3) and img.std() > 10


def test_mov_has_a_transparent_background(tmp_path: Path) -> None:
    cfg = tmp_path / "alpha.yaml"
    cfg.write_text(SHORT)
    res = render(cfg, tmp_path / "out", "--format", "mov")
    assert res.returncode == 0, res.stderr[-3000:]
    with av.open(str(tmp_path / "out" / "alpha" / "alpha.mov")) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgba")
    assert frame[..., 3].min() == 0, "no transparent pixels"


def test_compare_clip_renders_end_to_end(tmp_path: Path) -> None:
    cfg = tmp_path / "pair.yaml"
    cfg.write_text(COMPARE)
    res = render(cfg, tmp_path / "out")
    assert res.returncode == 0, res.stderr[-3000:]
    clip = tmp_path / "out" / "pair"
    meta = json.loads((clip / "pair.json").read_text())
    assert [r["activation"] for r in meta["trace"]["runs"]] == ["tanh", "relu"]
    with av.open(str(clip / "pair.mp4")) as c:
        duration = float(c.duration / av.time_base)
    assert duration == pytest.approx(meta["sections"][-1]["end"], abs=0.15)
    assert len(srt_blocks((clip / "pair.srt").read_text())) >= 3 + 2


MID_PLAY_INTERRUPT = """\
import sys
from manim.scene.scene_file_writer import SceneFileWriter
from explainer.cli import main

frames = 0
write_frame = SceneFileWriter.write_frame


def interrupted(self, *args, **kwargs):  # Ctrl-C on the 40th frame: mid-play, a segment open
    global frames
    frames += 1
    if frames == 40:
        raise KeyboardInterrupt
    return write_frame(self, *args, **kwargs)


SceneFileWriter.write_frame = interrupted
sys.exit(main(["render", sys.argv[1], "-o", sys.argv[2], "--force"]))
"""


def test_ctrl_c_mid_play_exits_instead_of_waiting_on_the_encoder(tmp_path: Path) -> None:
    # Interrupted mid-play, Scene.render leaves the open segment's non-daemon encoder
    # thread waiting for frames: the process printed its message, then never exited.
    cfg = tmp_path / "three.yaml"
    cfg.write_text(SHORT)
    done = subprocess.run(
        [sys.executable, "-c", MID_PLAY_INTERRUPT, str(cfg), str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, done.stderr[-3000:]
    assert "interrupted" in done.stderr
    assert not (tmp_path / "out" / "three").exists()  # nothing published
    assert [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".staging")] == []


STRAGGLER = """\
import sys, threading
from explainer import cli


def render(args):  # an interrupted render that leaves a thread waiting forever behind
    threading.Thread(target=threading.Event().wait, name="stuck-encoder").start()
    raise KeyboardInterrupt


cli.COMMANDS["render"] = render
cli.run(["render", sys.argv[1]])
"""


def test_an_interrupted_render_exits_even_if_a_thread_is_left_waiting(tmp_path: Path) -> None:
    cfg = tmp_path / "three.yaml"
    cfg.write_text(SHORT)
    done = subprocess.run(
        [sys.executable, "-c", STRAGGLER, str(cfg)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 130, done.stderr[-3000:]
    assert done.stderr.strip() == "interrupted; finished files were left as they were"

"""One clip drawn by several worker processes (issue 14): the same frames, and failures that leave nothing behind.

Every comparison decodes both videos with PyAV and compares every frame's pixels; the
sidecars (sections, captions) come from the same timeline and must be equal too.
"""

from __future__ import annotations

import concurrent.futures
import faulthandler
import hashlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import av
import pytest

from explainer.clip import render_clip
from explainer.config import load_config, with_overrides
from explainer.split.render import SplitError

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def frames(video: Path) -> list[str]:
    with av.open(str(video)) as c:
        return [hashlib.sha256(f.to_ndarray(format="rgb24").tobytes()).hexdigest() for f in c.decode(video=0)]


def silent(path: str, **more: Any) -> Any:
    """A shipped config without a voice (a neural take is synthesised afresh per output folder)."""
    return with_overrides(load_config(ROOT / path), {"narration.voice": "none", **more}, origin="test")


def _render_silent(config: str, out: Path, workers: int) -> Any:
    """Render a shipped config silently at -q l (run in a fresh process)."""
    return render_clip(silent(config), out, quality="l", quiet=True, workers=workers)


def metadata(res: Any) -> dict[str, Any]:
    return json.loads(Path(res.files["metadata"]).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "config",
    [
        "configs/default.yaml",  # 8 steps, the plain RNN
        "configs/lstm_unrolled.yaml",  # the gated cell, gate by gate
        "configs/long_sine_64.yaml",  # 64 steps: the camera pans along the unrolled network
    ],
)
def test_split_render_has_the_serial_frames_sections_and_captions(
    tmp_path: Path, config: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # x264's macroblock tree makes its output vary a little from encode to encode, serial or
    # split alike (explainer.media.reproducible); with it off the output is a function of its input.
    monkeypatch.setenv("RNN_EXPLAINER_REPRODUCIBLE", "1")
    # Both in fresh processes, as the split's workers are: what a long test process encoded
    # before is not the split's doing and must not decide the comparison.
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        serial = pool.submit(_render_silent, config, tmp_path / "serial", 1).result()
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        split = pool.submit(_render_silent, config, tmp_path / "split", 2).result()
    a, b = frames(serial.files["video"]), frames(split.files["video"])
    assert len(a) == len(b) > 0
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    assert differ == [], f"{len(differ)} of {len(a)} frames differ, frames {differ[0]}..{differ[-1]}"
    ma, mb = metadata(serial), metadata(split)
    assert mb["workers"] == 2 and ma["workers"] == 1
    for key in ("duration", "sections", "chapters", "captions", "script"):
        assert ma[key] == mb[key], key
    assert Path(serial.files["srt"]).read_text() == Path(split.files["srt"]).read_text()


def test_both_workers_draw_and_finish_within_a_few_blocks(tmp_path: Path) -> None:
    from explainer.runs import build_spec
    from explainer.split.render import draw_split

    cfg = silent("configs/default.yaml")
    drawing = draw_split(build_spec(cfg), cfg.scene, cfg.scene_cell, tmp_path, cfg.name, "l", "mp4", 2, quiet=True)
    cost = [0.0, 0.0]
    for (n, held), k in zip(drawing.plays, drawing.drawn_by, strict=True):
        cost[k] += n * (0.5 if held else 1.0)
    assert min(cost) > 0
    # Dealt in blocks of 60 drawn frames: the two shares differ by less than a few blocks.
    assert abs(cost[0] - cost[1]) < 4 * 60, cost


def test_a_worker_dealt_nothing_draws_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Manim's renderer draws a skipped play's still parts all the same; a worker must not
    # (it is most of what a worker's set-up cost beyond building the scene).
    from manim.camera.camera import Camera

    from explainer.runs import build_spec
    from explainer.split.render import PartJob, draw_part
    from scenes.share import Share

    drawn: list[int] = []
    capture = Camera.capture_mobjects

    def counting(self: Any, *args: Any, **kwargs: Any) -> None:
        drawn.append(1)
        capture(self, *args, **kwargs)

    monkeypatch.setattr(Camera, "capture_mobjects", counting)
    cfg = silent("configs/default.yaml")
    common = dict(spec=build_spec(cfg), scene=cfg.scene, cell=cfg.scene_cell, name=cfg.name, quality="l", fmt="mp4")
    idle = draw_part(PartJob(**common, quiet=True, share=Share(999_999, 1_000_000), media=str(tmp_path / "idle")))
    assert idle.partials == {} and len(idle.plays) > 50
    assert drawn == []
    # The same counter sees a worker that is dealt plays draw them.
    busy = draw_part(PartJob(**common, quiet=True, share=Share(0, 2), media=str(tmp_path / "busy")))
    assert busy.partials and len(drawn) > len(busy.partials)


def _published(out: Path, name: str) -> dict[str, bytes]:
    folder = out / name
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()} if folder.is_dir() else {}


def test_a_killed_worker_fails_the_render_and_leaves_the_previous_clip(tmp_path: Path) -> None:
    cfg = silent("configs/default.yaml")
    out = tmp_path / "out"
    first = render_clip(cfg, out, quality="l", quiet=True)
    length = len(frames(first.files["video"]))
    before = _published(out, cfg.name)
    assert before
    killed: list[int] = []

    def kill_one(title: str, seconds: float) -> None:
        if not killed:
            child = multiprocessing.active_children()[0]
            assert child.pid is not None and child.name.startswith("split-")
            killed.append(child.pid)
            os.kill(child.pid, signal.SIGKILL)

    # A parent that misses the death waits forever: fail loudly (tracebacks, worker exits) instead.
    faulthandler.dump_traceback_later(240, exit=True)
    try:
        died = r"^split render: worker [12] of 2 was killed by signal 9 before it finished"
        with pytest.raises(SplitError, match=died):
            render_clip(cfg, out, quality="l", quiet=True, force=True, workers=2, on_section=kill_one)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert killed
    assert multiprocessing.active_children() == []  # the other worker was stopped
    assert _published(out, cfg.name) == before  # nothing published over the good clip
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []
    again = render_clip(cfg, out, quality="l", quiet=True, force=True, workers=2)
    assert again.status == "rendered"
    assert len(frames(again.files["video"])) == length


def _descendants(pid: int) -> list[int]:
    import psutil

    try:
        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def test_ctrl_c_stops_every_worker_and_keeps_the_previous_clip(tmp_path: Path) -> None:
    import psutil

    config = tmp_path / "tiny.yaml"
    text = (ROOT / "configs/default.yaml").read_text(encoding="utf-8")
    assert "  voice: neural" in text
    config.write_text(text.replace("  voice: neural", "  voice: none", 1), encoding="utf-8")
    cmd = [sys.executable, str(ROOT / "render.py"), "render", str(config), "-q", "l", "-o", str(tmp_path / "out")]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    name = load_config(config).name
    before = _published(tmp_path / "out", name)
    proc = subprocess.Popen(
        [*cmd, "--force", "-j", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # Ctrl-C as in a terminal, even when the suite runs as a background job (whose
        # children start with SIGINT ignored, and Python then keeps it ignored).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    assert proc.stderr is not None
    workers: list[int] = []

    def read_progress() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if " s  " in line and not workers:  # the first section finished by both workers
                workers.extend(_descendants(proc.pid))
                proc.send_signal(signal.SIGINT)

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    assert proc.wait(timeout=300) == 130
    reader.join(5)
    assert len(workers) >= 2, "the render never reported a section with its workers running"
    deadline = time.monotonic() + 10
    while any(psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE for p in workers):
        assert time.monotonic() < deadline, "a worker outlived the interrupted render"
        time.sleep(0.1)
    out = tmp_path / "out"
    assert _published(out, name) == before
    assert [p.name for p in out.iterdir() if p.name.startswith(".staging")] == []

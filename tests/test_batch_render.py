"""Real batches through ``render.py batch``: 4 tiny clips on 2 workers, the cache, an interrupted
run resumed with one job made to fail, and the gallery played in headless Chromium.

Slow: every clip is really rendered with Manim (tiny configs: 2 steps, short steps, ``-q l``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_batch import complete_or_absent, wait_for
from test_batch_gallery import CHROMIUM, probe_gallery

from explainer.output import pid_alive, staging_owner
from explainer.sweep import load_sweep

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

TINY = """\
title: Tiny
sequence: {kind: linear, length: 2}
style: {step_seconds: 0.25, fast_after: 0, fast_step_seconds: 0.1}
output: {name: tiny, quality: l}
"""

SWEEP = """\
base: tiny.yaml
grid:
  rnn.activation: [tanh, relu]
  rnn.w_h: [0.5, 1.5]
"""

#: Runs the batch command like render.py does, then says whether Manim was imported here.
COMMAND = (
    "import sys; from explainer.cli import main; code = main(sys.argv[1:]); "
    "print('MANIM_IMPORTED', 'manim' in sys.modules); sys.exit(code)"
)


def make(tmp: Path, sweep: str = SWEEP, name: str = "tiny_sweep") -> Path:
    (tmp / "tiny.yaml").write_text(TINY, encoding="utf-8")
    path = tmp / f"{name}.yaml"
    path.write_text(sweep, encoding="utf-8")
    return path


def batch(sweep: Path, out: Path, *args: str, timeout: float = 400) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", COMMAND, "batch", str(sweep), "-q", "l", "-o", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc, time.perf_counter() - started


def statuses(sweep_dir: Path) -> dict[str, str]:
    doc = json.loads((sweep_dir / "manifest.json").read_text())
    return {c["name"]: c["status"] for c in doc["clips"]}


def probe(video: Path) -> dict[str, Any]:
    import av

    with av.open(str(video)) as c:
        s = c.streams.video[0]
        frames = sum(1 for _ in c.decode(s))
        return {
            "width": s.codec_context.width,
            "height": s.codec_context.height,
            "frames": frames,
            "duration": float(c.duration / av.time_base),
        }


def srt_cues(path: Path) -> int:
    return len(re.findall(r"^\d\d:\d\d:\d\d,\d\d\d --> ", path.read_text(), flags=re.M))


def test_real_batch_then_cache_then_browser(tmp_path: Path) -> None:
    sweep_path = make(tmp_path)
    sweep = load_sweep(sweep_path)
    out = tmp_path / "out"
    first, first_s = batch(sweep_path, out, "-j", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    sweep_dir = out / "tiny_sweep"
    assert statuses(sweep_dir) == {j.name: "rendered" for j in sweep.jobs}
    assert all(complete_or_absent(sweep_dir, sweep).values())
    doc = json.loads((sweep_dir / "manifest.json").read_text())
    # Two long-lived workers rendered the four clips (each imported Manim once).
    assert len({c["worker"] for c in doc["clips"]}) <= 2
    for clip in doc["clips"]:
        info = probe(sweep_dir / clip["files"]["video"])
        assert (info["width"], info["height"]) == (854, 480)
        assert info["frames"] > 15 and info["duration"] > 1.0
        assert clip["duration"] == pytest.approx(info["duration"], abs=0.2)
    assert "MANIM_IMPORTED" in first.stdout

    second, second_s = batch(sweep_path, out, "-j", "2")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "MANIM_IMPORTED False" in second.stdout  # the cache check never imports Manim
    assert statuses(sweep_dir) == {j.name: "cached" for j in sweep.jobs}
    assert "4 clips: 4 cached" in second.stdout
    print(f"\nfirst run {first_s:.1f} s, cached run {second_s:.2f} s ({second_s / first_s:.1%})")
    assert second_s < first_s / 4

    # Last, so that everything above has been checked even where the browser is missing.
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): the real gallery was not played")
    report = probe_gallery(sweep_dir)
    assert report["clips"] == [j.name for j in sweep.jobs]
    assert [v["clip"] for v in report["videos"]] == [j.name for j in sweep.jobs]
    for video in report["videos"]:
        name = video["clip"]
        assert video["meta"] is True and video["err"] is None, video
        assert (video["width"], video["height"]) == (854, 480)
        assert video["duration"] == pytest.approx(probe(sweep_dir / name / f"{name}.mp4")["duration"], abs=0.2)
        assert video["cues"] == srt_cues(sweep_dir / name / f"{name}.srt") > 0


def test_killed_batch_resumes_and_a_failing_job_spares_the_others(tmp_path: Path) -> None:
    sweep_path = make(tmp_path)
    sweep = load_sweep(sweep_path)
    out = tmp_path / "out"
    sweep_dir = out / "tiny_sweep"
    # Output to a file, not a pipe: a worker that failed to stop would hold a pipe open.
    with open(tmp_path / "batch.log", "w") as log:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "render.py"), "batch", str(sweep_path), "-q", "l", "-j", "2", "-o", str(out)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        first = sweep_dir / sweep.jobs[0].name / f"{sweep.jobs[0].name}.json"
        second = sweep_dir / sweep.jobs[1].name / f"{sweep.jobs[1].name}.json"
        wait_for(lambda: first.is_file() or second.is_file(), 300, "the first clip")
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()

    # The orphaned workers notice and stop, removing their staging folders.
    # Generous: on a loaded 2-core CI machine a worker may be mid-frame for a while.
    def left() -> list[Path]:
        return [p for p in sweep_dir.iterdir() if p.name.startswith(".staging")]

    try:
        wait_for(lambda: not left(), 120, "the workers to clean up")
    except AssertionError as exc:  # say what was left, whose, and what the batch printed
        owners = {p.name: (o, o is not None and pid_alive(o)) for p in left() for o in [staging_owner(p)]}
        contents = {p.name: sorted(str(q.relative_to(p)) for q in p.rglob("*"))[:20] for p in left()}
        tail = (tmp_path / "batch.log").read_text(errors="replace")[-3000:]
        raise AssertionError(f"{exc}: left {owners} (owner, alive); holding {contents}; log: {tail}") from None
    done = complete_or_absent(sweep_dir, sweep, killed=proc.pid)
    assert any(done.values()) and not all(done.values()), done

    # Resume, with one of the missing clips made impossible to write: a file where its folder goes.
    missing = [j.name for j in sweep.jobs if not done[j.name]]
    blocked = missing[-1]
    (sweep_dir / blocked).write_text("in the way")
    resumed, _ = batch(sweep_path, out, "-j", "2")
    assert resumed.returncode == 1, resumed.stderr[-3000:]
    expected = {name: ("cached" if ok else "rendered") for name, ok in done.items()} | {blocked: "failed"}
    assert statuses(sweep_dir) == expected
    assert "failed" in resumed.stdout and blocked in resumed.stdout
    doc = json.loads((sweep_dir / "manifest.json").read_text())
    bad = next(c for c in doc["clips"] if c["name"] == blocked)
    assert bad["error"] and bad["files"] == {}
    os.remove(sweep_dir / blocked)
    for name, status in expected.items():
        if status != "failed":
            assert (sweep_dir / name / f"{name}.mp4").is_file()


def test_a_batch_with_spare_cores_draws_its_one_clip_in_parts(tmp_path: Path) -> None:
    sweep_path = make(tmp_path, "base: tiny.yaml\ngrid:\n  rnn.activation: [tanh]\n", name="one_clip")
    out = tmp_path / "out"
    proc, _ = batch(sweep_path, out, "-j", "3")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "the spare cores draw 1 clip(s) in 3 parts" in proc.stdout + proc.stderr
    sweep_dir = out / "one_clip"
    (name,) = statuses(sweep_dir)
    meta = json.loads((sweep_dir / name / f"{name}.json").read_text())
    assert meta["workers"] == 3 and len(meta["parts"]) == 3
    assert sum(p["frames"] for p in meta["parts"]) == probe(sweep_dir / name / f"{name}.mp4")["frames"]

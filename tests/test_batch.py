"""The batch runner with a stand-in renderer: pool, cache, failures, crashes, interrupts, Dask.

The stand-in (:func:`fake_render`) writes the same files as a real clip (with the real
content hash, so the real cache check applies) without Manim, so these tests are fast.
It is a module-level function because spawned worker processes import it by name.
Real renders are in ``test_batch_render.py`` and ``test_batch_dask.py`` (slow).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from explainer.batch import BatchError, run_batch_command, run_sweep
from explainer.clip import ClipResult, cached_result, clip_file_names, clip_hash
from explainer.output import publish, remove_tree, staging_dir
from explainer.sweep import load_sweep

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent

#: w_h values that make the stand-in misbehave.
FAILS = 1.5  # raises an exception
CRASHES = 2.5  # kills its worker process every time
CRASHES_ONCE = 3.5  # kills its worker process on the first attempt only


def fake_render(
    cfg: Any,
    out_dir: Path,
    quality: str | None = None,
    fmt: str | None = None,
    force: bool = False,
    quiet: bool = False,
) -> ClipResult:
    """Write a clip's files the way :func:`explainer.clip.render_clip` lays them out."""
    quality, fmt = quality or cfg.output.quality, fmt or cfg.output.format
    digest = clip_hash(cfg, quality, fmt)
    out_dir = Path(out_dir)
    if not force:
        hit = cached_result(cfg, out_dir, quality, fmt)
        if hit is not None:
            return hit
    if os.environ.get("FAKE_PID_DIR"):
        (Path(os.environ["FAKE_PID_DIR"]) / f"{cfg.name}.pid").write_text(str(os.getpid()))
    if cfg.rnn.w_h == FAILS:
        raise RuntimeError(f"cannot draw w_h = {FAILS}\nsecond line")
    if cfg.rnn.w_h == CRASHES:
        os._exit(3)
    if cfg.rnn.w_h == CRASHES_ONCE:
        marker = Path(os.environ["FAKE_MARKER_DIR"]) / cfg.name
        if not marker.exists():
            marker.write_text("crashed once")
            os._exit(3)
    name = cfg.name
    stage = staging_dir(out_dir, name)
    try:
        files = {role: stage / fname for role, fname in clip_file_names(name, fmt).items()}
        files["video"].write_bytes(b"not really a video: " + name.encode())
        delay = float(os.environ.get("FAKE_DELAY", "0.05"))
        if cfg.rnn.w_h >= float(os.environ.get("FAKE_SLOW_FROM", "inf")):
            delay *= 4  # a slow clip: a long window in which to interrupt the batch
        time.sleep(delay)  # the "render"
        files["srt"].write_text(f"1\n00:00:00,000 --> 00:00:01,250\nw_h = {cfg.rnn.w_h}\n", encoding="utf-8")
        files["chapters"].write_text("0:00 Intro\n", encoding="utf-8")
        files["script"].write_text(f"# Tiny\n\nw_h = {cfg.rnn.w_h}\n", encoding="utf-8")
        from PIL import Image

        Image.new("RGB", (160, 90), (200, 40, 40)).save(files["thumbnail"])
        meta = {"name": name, "hash": digest, "duration": 1.25, "chapters": [{"title": "Intro", "start": 0.0}]}
        files["metadata"].write_text(json.dumps(meta), encoding="utf-8")
        placed = publish(files, out_dir / name)
    finally:
        remove_tree(stage)
    return ClipResult(name, "rendered", digest, placed, 1.25, 0.05)


BASE = """\
title: Tiny
sequence: {kind: linear, length: 2}
output: {name: tiny, quality: l}
"""


def make_sweep(tmp: Path, values: list[float], name: str = "s") -> Path:
    (tmp / "tiny.yaml").write_text(BASE, encoding="utf-8")
    path = tmp / f"{name}.yaml"
    path.write_text(f"base: tiny.yaml\ngrid:\n  rnn.w_h: [{', '.join(map(str, values))}]\n", encoding="utf-8")
    return path


def quiet_console() -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=200)


def complete_or_absent(sweep_dir: Path, sweep: Any, killed: int | None = None) -> dict[str, bool]:
    """For each clip: True if its files are complete and current, False if its folder is absent.

    Anything else (a folder with missing or stale files, a temporary file) fails the
    calling test, except a half-written temporary file of the process ``killed`` (a
    SIGKILL leaves no chance to remove it; the next run must).
    """
    state = {}
    for job in sweep.jobs:
        folder = sweep_dir / job.name
        if not folder.exists():
            state[job.name] = False
            continue
        assert cached_result(job.config, sweep_dir) is not None, f"{folder} is incomplete: {os.listdir(folder)}"
        state[job.name] = True
    leftovers = [
        p
        for p in sweep_dir.rglob("*")
        if p.name.startswith(".") and not (killed and p.parent == sweep_dir and f".pid{killed}-" in p.name)
    ]
    assert not leftovers, f"temporary files left behind: {leftovers}"
    return state


# ----------------------------------------------------------------------------- local pool


def test_batch_renders_then_serves_from_cache(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0, 2.0]))
    out = tmp_path / "out"
    report = run_sweep(sweep, out, jobs=2, render_fn=fake_render, console=quiet_console())
    assert report.exit_code == 0
    assert [r.status for r in report.records] == ["rendered"] * 3
    assert report.sweep_dir == out / "s"
    for rec, job in zip(report.records, sweep.jobs, strict=True):
        assert rec.name == job.name
        assert rec.hash == clip_hash(job.config, "l", "mp4")
        assert rec.files["video"] == out / "s" / job.name / f"{job.name}.mp4"
        assert rec.files["video"].read_bytes() == b"not really a video: " + job.name.encode()
    assert all(complete_or_absent(out / "s", sweep).values())

    again = run_sweep(sweep, out, jobs=2, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in again.records] == ["cached"] * 3
    assert [r.hash for r in again.records] == [r.hash for r in report.records]

    forced = run_sweep(sweep, out, jobs=2, force=True, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in forced.records] == ["rendered"] * 3


def test_quality_and_format_flags_change_the_hash_and_files(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0]))
    out = tmp_path / "out"
    run_sweep(sweep, out, jobs=1, render_fn=fake_render, console=quiet_console())
    webm = run_sweep(sweep, out, jobs=1, fmt="webm", quality="m", render_fn=fake_render, console=quiet_console())
    assert [r.status for r in webm.records] == ["rendered", "rendered"]
    assert all(r.files["video"].suffix == ".webm" for r in webm.records)
    assert webm.records[0].hash == clip_hash(sweep.jobs[0].config, "m", "webm") != clip_hash(sweep.jobs[0].config)


def test_manifest_json_and_csv(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, FAILS]))
    out = tmp_path / "out"
    report = run_sweep(sweep, out, jobs=2, render_fn=fake_render, console=quiet_console())
    doc = json.loads((out / "s" / "manifest.json").read_text())
    assert doc["sweep"] == "s"
    assert doc["fields"] == ["rnn.w_h"]
    assert doc["summary"] == {"total": 2, "rendered": 1, "failed": 1}
    ok, bad = doc["clips"]
    assert ok["name"] == "tiny-w_h_0.5" and ok["params"] == {"rnn.w_h": 0.5} and ok["status"] == "rendered"
    assert ok["hash"] == report.records[0].hash and ok["duration"] == 1.25
    # Paths are relative to the sweep folder, so the folder can be moved as a whole.
    assert ok["files"]["video"] == "tiny-w_h_0.5/tiny-w_h_0.5.mp4"
    assert ok["files"]["vtt"] == "tiny-w_h_0.5/tiny-w_h_0.5.vtt"
    assert (out / "s" / ok["files"]["vtt"]).read_text().startswith("WEBVTT")
    assert bad["status"] == "failed" and bad["files"] == {}
    assert bad["error"] == "RuntimeError: cannot draw w_h = 1.5 second line"

    rows = list(csv.DictReader((out / "s" / "manifest.csv").open()))
    assert [r["name"] for r in rows] == ["tiny-w_h_0.5", "tiny-w_h_1.5"]
    assert rows[0]["rnn.w_h"] == "0.5" and rows[0]["status"] == "rendered" and rows[0]["video"] == ok["files"]["video"]
    assert rows[1]["status"] == "failed" and rows[1]["error"].startswith("RuntimeError")
    for name in ("contact_sheet.png", "index.html"):
        assert (out / "s" / name).is_file()


def test_one_failing_job_does_not_stop_the_others(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, FAILS, 1.0, 2.0]))
    out = tmp_path / "out"
    report = run_sweep(sweep, out, jobs=2, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in report.records] == ["rendered", "failed", "rendered", "rendered"]
    assert report.exit_code == 1
    assert complete_or_absent(out / "s", sweep) == {j.name: j.config.rnn.w_h != FAILS for j in sweep.jobs}
    # The failure is reported, and the next run retries only it.
    again = run_sweep(sweep, out, jobs=2, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in again.records] == ["cached", "failed", "cached", "cached"]


def test_a_crashing_worker_fails_only_its_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MARKER_DIR", str(tmp_path))
    # The crash-once job comes first so that its one crash happens in the shared pool
    # (a job that crashes when run alone is failed, rightly).
    sweep = load_sweep(make_sweep(tmp_path, [CRASHES_ONCE, 0.5, CRASHES, 1.0]))
    report = run_sweep(sweep, tmp_path / "out", jobs=2, render_fn=fake_render, console=quiet_console())
    status = {r.name: r.status for r in report.records}
    assert status == {
        "tiny-w_h_3.5": "rendered",
        "tiny-w_h_0.5": "rendered",
        "tiny-w_h_2.5": "failed",
        "tiny-w_h_1": "rendered",
    }
    assert "worker process died while rendering this clip, twice" in (report.records[2].error or "")
    assert (tmp_path / "tiny-w_h_3.5").read_text() == "crashed once"  # it did crash, and was retried
    assert report.exit_code == 1
    assert complete_or_absent(tmp_path / "out" / "s", sweep) == {
        j.name: j.config.rnn.w_h != CRASHES for j in sweep.jobs
    }


def test_progress_lines_when_not_a_terminal(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, FAILS, 1.0]))
    console = quiet_console()
    run_sweep(sweep, tmp_path / "out", jobs=1, render_fn=fake_render, console=console)
    lines = console.file.getvalue().splitlines()
    assert lines[0] == "batch s: 3 clips, 0 up to date, 3 to render on 1 local worker process"
    assert [line.split(" ", 2)[:2] for line in lines[1:]] == [
        ["[1/3]", "rendered"],
        ["[2/3]", "FAILED"],
        ["[3/3]", "rendered"],
    ]
    assert "[eta " in lines[1] and "[eta " not in lines[3]
    assert (
        lines[2]
        == "[2/3] FAILED tiny-w_h_1.5: RuntimeError: cannot draw w_h = 1.5 second line  [eta "
        + lines[2].rsplit("[eta ", 1)[1]
    )


def test_live_progress_on_a_terminal(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0]))
    console = Console(file=io.StringIO(), force_terminal=True, width=120)
    report = run_sweep(sweep, tmp_path / "out", jobs=2, render_fn=fake_render, console=console)
    assert report.exit_code == 0
    text = console.file.getvalue()
    assert "rendering" in text and "2/2" in text and "running" in text and "ETA" in text


# ----------------------------------------------------------------------------- the command


def test_command_exit_codes_and_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import explainer.batch.command as command

    real = command.run_sweep
    monkeypatch.setattr(command, "run_sweep", lambda *a, **kw: real(*a, **kw, render_fn=fake_render))
    good = make_sweep(tmp_path, [0.5, 1.0], name="good")
    assert run_batch_command(good, jobs=2, out_dir=tmp_path / "out") == 0
    out = capsys.readouterr().out
    assert "2 clips: 2 rendered" in out and "index.html" in out
    bad = make_sweep(tmp_path, [0.5, FAILS], name="bad")
    assert run_batch_command(bad, jobs=2, out_dir=tmp_path / "out") == 1
    out = capsys.readouterr().out
    assert "tiny-w_h_1.5" in out and "failed" in out and "RuntimeError" in out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"jobs": 0}, "-j/--jobs must be at least 1"),
        ({"quality": "x"}, "quality must be one of"),
        ({"fmt": "avi"}, "format must be one of"),
        ({"scheduler": "not an address"}, "--scheduler must be 'local' or an address"),
    ],
)
def test_command_refuses_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kwargs: dict[str, Any], message: str
) -> None:
    sweep = make_sweep(tmp_path, [0.5])
    assert run_batch_command(sweep, out_dir=tmp_path / "out", **kwargs) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_unreachable_scheduler_is_a_usage_error(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sweep = load_sweep(make_sweep(tmp_path, [0.5]))
    with pytest.raises(BatchError, match="cannot reach the Dask scheduler"):
        run_sweep(
            sweep, tmp_path / "out", scheduler=f"tcp://127.0.0.1:{port}", render_fn=fake_render, console=quiet_console()
        )


# ----------------------------------------------------------------------------- interrupts


RUNNER = textwrap.dedent("""\
    import signal, sys
    # Ctrl-C as in a terminal, even when the tests run in a background job (which
    # starts its children with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from rich.console import Console
    from explainer.batch import run_sweep
    from explainer.sweep import load_sweep
    from test_batch import fake_render
    report = run_sweep(load_sweep(sys.argv[1]), sys.argv[2], jobs=2, render_fn=fake_render,
                       console=Console(stderr=True, force_terminal=False))
    sys.exit(report.exit_code)
    """)


def start_runner(tmp_path: Path, sweep_path: Path, out: Path, delay: float) -> subprocess.Popen[str]:
    pids = tmp_path / "pids"
    pids.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(TESTS)]),
        "FAKE_DELAY": str(delay),
        "FAKE_SLOW_FROM": "2.0",
        "FAKE_PID_DIR": str(pids),
    }
    # Output goes to files, not pipes: orphaned workers inherit the runner's stdout and
    # stderr, and a pipe held open by a worker that failed to stop would hang the test.
    with open(tmp_path / "runner.out", "w") as stdout, open(tmp_path / "runner.err", "w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-c", RUNNER, str(sweep_path), str(out)],
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.parametrize("how", ["sigint", "sigkill"])
def test_interrupted_batch_leaves_only_complete_clips_and_resumes(tmp_path: Path, how: str) -> None:
    sweep_path = make_sweep(tmp_path, [0.5, 1.0, 2.0, 3.0])
    sweep = load_sweep(sweep_path)
    out = tmp_path / "out"
    proc = start_runner(tmp_path, sweep_path, out, delay=1.5)
    try:
        # Wait until the first two clips are done and the next two are mid-render.
        first_two = [out / "s" / j.name / f"{j.name}.json" for j in sweep.jobs[:2]]
        wait_for(lambda: all(p.is_file() for p in first_two), 60, "the first two clips")
        wait_for(lambda: len(list((tmp_path / "pids").iterdir())) >= 3, 10, "a third render to start")
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT if how == "sigint" else signal.SIGKILL)
        code = proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.wait()
    err = (tmp_path / "runner.err").read_text()
    workers = {int(p.read_text()) for p in (tmp_path / "pids").iterdir()}
    assert os.getpid() not in workers and proc.pid not in workers
    if how == "sigint":
        assert code == 130, err
        doc = json.loads((out / "s" / "manifest.json").read_text())
        assert [c["status"] for c in doc["clips"]][:2] == ["rendered", "rendered"]
        assert {c["status"] for c in doc["clips"][2:]} <= {"not_run", "rendered"}
    else:
        assert code == -signal.SIGKILL
    # Orphaned or not, every worker stops on its own, cleaning up after its render.
    wait_for(lambda: not any(alive(pid) for pid in workers), 15, "the workers to exit")
    state = complete_or_absent(out / "s", sweep, killed=proc.pid if how == "sigkill" else None)
    assert state[sweep.jobs[0].name] and state[sweep.jobs[1].name]
    assert not all(state.values()), "the interrupt came too late to test anything"

    resumed = run_sweep(sweep, out, jobs=2, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in resumed.records] == ["cached" if state[j.name] else "rendered" for j in sweep.jobs]
    assert all(complete_or_absent(out / "s", sweep).values())


WORKER_STOP = textwrap.dedent("""\
    import os, signal, sys, threading, time
    from pathlib import Path
    from explainer.batch import worker
    from explainer.output import staging_dir
    signal.signal(signal.SIGTERM, worker.on_sigterm)
    sweep_dir = Path(sys.argv[1])

    def write_on(folder):  # an encoder thread still writing segments when the backstop fires
        folder.mkdir()
        n = 0
        while True:
            try:
                (folder / f"{n}.mp4").write_bytes(b"x" * 4096)
            except OSError:
                return
            n += 1

    def render(cfg, out_dir, **kw):
        stage = staging_dir(out_dir, "clip")
        if sys.argv[2] == "swallowed_and_writing":
            threading.Thread(target=write_on, args=(stage / "partial",), daemon=True).start()
        if sys.argv[2] in ("swallowed", "swallowed_and_stuck", "swallowed_and_writing"):
            try:  # a render that catches the SystemExit and carries on, as Manim does in places
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.5)
            except BaseException:
                pass
            if sys.argv[2] in ("swallowed_and_stuck", "swallowed_and_writing"):
                time.sleep(300)  # ... and then takes its time
        return None

    try:  # the pool's own catch-all around each job
        if sys.argv[2] == "between_jobs":
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.5)
        else:
            worker.local_task(None, str(sweep_dir), None, None, False, render)
    except BaseException:
        pass
    print("carried on")
    """)


@pytest.mark.parametrize("when", ["between_jobs", "swallowed", "swallowed_and_stuck", "swallowed_and_writing"])
def test_a_stopped_worker_exits_and_leaves_no_staging_folder(tmp_path: Path, when: str) -> None:
    # SIGTERM outside the render must not become an exception the pool catches (the worker
    # would go on to the next job), and a render that swallows its SystemExit must not keep
    # the worker, or its staging folder, alive: not after it returns, and not for longer than
    # the grace period if it carries on (the parent SIGKILLs a worker after 10 s).
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", WORKER_STOP, str(sweep_dir), when],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 143, done.stdout + done.stderr
    assert "carried on" not in done.stdout
    # Far less than the stuck render's 300 s: the backstop stopped it (5 s after SIGTERM).
    assert time.monotonic() - started < 60.0
    assert list(sweep_dir.iterdir()) == []


# ----------------------------------------------------------------------------- Dask


def test_dask_backend_installs_returned_files(tmp_path: Path) -> None:
    from distributed import Client, LocalCluster

    sweep = load_sweep(make_sweep(tmp_path, [0.5, FAILS, 1.0]))
    out = tmp_path / "out"
    # Threads in this process: the fast path through the Dask code; real processes are in the slow tests.
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        report = run_sweep(sweep, out, client=client, render_fn=fake_render, console=quiet_console())
    assert report.backend == "dask"
    assert [r.status for r in report.records] == ["rendered", "failed", "rendered"]
    assert report.records[1].error == "RuntimeError: cannot draw w_h = 1.5 second line"
    assert complete_or_absent(out / "s", sweep) == {j.name: j.config.rnn.w_h != FAILS for j in sweep.jobs}
    for rec in report.records[::2]:
        assert rec.files["video"].parent == out / "s" / rec.name
        assert rec.files["video"].read_bytes() == b"not really a video: " + rec.name.encode()
    again = run_sweep(sweep, out, jobs=1, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in again.records] == ["cached", "failed", "cached"]


def test_spare_cores_go_to_the_longest_clips_and_never_make_a_two_part_split() -> None:
    from explainer.batch.jobs import share_cores

    assert share_cores([30.0, 60.0], 2) == [1, 1]  # no spare core
    assert share_cores([30.0, 60.0], 4) == [1, 1]  # 1 and 3 would be uneven, 2 and 2 are too few
    assert share_cores([60.0], 2) == [1]  # 2 parts measured no faster than 1
    assert share_cores([60.0], 3) == [3]
    assert share_cores([30.0, 90.0], 8) == [1, 7]  # the short clip's 2 parts go to the long one
    assert share_cores([30.0, 90.0, 60.0], 12) == [1, 7, 4]  # longer clips get more; 12 cores in all
    assert share_cores([60.0, 60.0], 6) == [3, 3]
    assert share_cores([10.0] * 5, 3) == [1] * 5  # more clips than cores: one each


def test_a_clip_is_estimated_from_its_steps_and_pacing() -> None:
    from explainer.batch.jobs import estimated_seconds
    from explainer.config import load_config, with_overrides

    root = Path(__file__).resolve().parent.parent
    cfg = load_config(root / "configs/default.yaml")
    longer = with_overrides(cfg, {"sequence.length": 32}, origin="test")
    assert estimated_seconds(longer) > estimated_seconds(cfg) > 20.0

"""Faults leave nothing behind, and nothing escapes the output folder.

- An unusable output folder or an unreachable scheduler is refused before anything is written.
- A manifest or gallery that cannot be written is reported; the clips still render.
- A Dask worker killed mid-job leaves no temporary folder once the batch is done.
- A symbolic link planted at ``out/<name>``, ``out/<sweep>`` or ``out/<sweep>/<clip>`` is
  never written through.
- ``manifest.csv`` never holds a cell a spreadsheet would run as a formula.
- Manim's warning for each animation shorter than a frame becomes one note.

The batch tests use the stand-in renderer of ``test_batch`` (the real file layout, no Manim).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_batch import complete_or_absent, fake_render, make_sweep, quiet_console, wait_for

import explainer.gallery as gallery
from explainer.batch import BatchError, run_batch_command, run_sweep
from explainer.batch.worker import clean_dead_task_dirs
from explainer.cli import main
from explainer.clip import _counting_short_animations
from explainer.gallery import ClipRecord, write_manifest
from explainer.output import OutputError, check_output_dir, publish
from explainer.sweep import load_sweep

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
CONFIG = "sequence: {kind: sine, length: 3}\noutput: {name: clip, quality: l}\n"


def free_port() -> int:
    with socket.socket() as s:  # a port nobody listens on once this closes
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


# ----------------------------------------------------------------------------- before anything is written


def test_unreachable_scheduler_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = make_sweep(tmp_path, [0.5, 1.0])
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{free_port()}"
    assert run_batch_command(sweep, out_dir=out, scheduler=address) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"cannot reach the Dask scheduler at {address}: ") and err.count("\n") == 1
    assert not out.exists()  # no manifest.json, no manifest.csv, no folder


@pytest.mark.parametrize("command", ["render", "batch"])
def test_an_output_folder_that_is_a_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    config = tmp_path / "clip.yaml"
    config.write_text(CONFIG)
    target = make_sweep(tmp_path, [0.5]) if command == "batch" else config
    not_a_folder = tmp_path / "out.txt"
    not_a_folder.write_text("a file")
    assert main([command, str(target), "-o", str(not_a_folder)]) == 2
    err = capsys.readouterr().err
    assert err == f"-o {not_a_folder}: {not_a_folder} is not a folder\n"
    assert not_a_folder.read_text() == "a file"
    below = not_a_folder / "sub"
    assert main([command, str(target), "-o", str(below)]) == 2
    assert capsys.readouterr().err == f"-o {below}: {not_a_folder} is not a folder, so {below} cannot be made in it\n"


@contextlib.contextmanager
def small_file_system(folder: Path, options: str) -> Iterator[Path]:
    """A real file system at ``folder`` (a tmpfs mounted with ``options``), or skip: it needs root."""
    folder.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a file system needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_check_output_dir_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    check_output_dir(out, "clip")  # may be made later: fine, and not made now
    assert not out.exists()
    out.mkdir()
    check_output_dir(out, "clip")
    assert list(out.iterdir()) == []  # the write probe is gone
    (out / "clip").write_text("x")
    with pytest.raises(OutputError, match=r"clip exists and is not a folder$"):
        check_output_dir(out, "clip")


def test_a_read_only_output_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "clip.yaml"
    config.write_text(CONFIG)
    with small_file_system(tmp_path / "ro", "ro,size=64k") as out:
        assert main(["render", str(config), "-o", str(out)]) == 2
        assert capsys.readouterr().err == f"-o {out}: cannot write into {out}: Read-only file system\n"


def test_a_full_disk_fails_the_clips_but_not_the_batch(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0]))
    with small_file_system(tmp_path / "full", "size=64k") as out:
        filler = out / "filler"
        with contextlib.suppress(OSError), filler.open("wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
        console = quiet_console()
        report = run_sweep(sweep, out, jobs=1, render_fn=fake_render, console=console)
        # Every clip was tried and failed on its own; the batch went on to the end and says what it could not write.
        assert [r.status for r in report.records] == ["failed", "failed"]
        assert all("No space left on device" in (r.error or "") for r in report.records)
        assert report.exit_code == 1
        assert any(p.startswith(f"could not write the manifest in {out / 's'}: ") for p in report.problems)
        assert "Traceback" not in console.file.getvalue()
        leftovers = [p for p in (out / "s").rglob("*") if p.name.startswith(".")]
        assert leftovers == []  # no staging folder, no half-written file


# ----------------------------------------------------------------------------- symbolic links


def test_render_refuses_a_link_at_the_clip_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "clip.yaml"
    config.write_text(CONFIG)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "clip").symlink_to(elsewhere)
    assert main(["render", str(config), "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"-o {out}: {out / 'clip'} is a symbolic link (to {elsewhere}); output is written only into real "
        "folders under the output folder: remove the link\n"
    )
    assert list(elsewhere.iterdir()) == []


def test_publish_never_moves_files_through_a_link(tmp_path: Path) -> None:
    stage, elsewhere = tmp_path / "stage", tmp_path / "elsewhere"
    stage.mkdir()
    elsewhere.mkdir()
    (stage / "a.txt").write_text("a")
    (tmp_path / "final").symlink_to(elsewhere)
    with pytest.raises(OutputError, match="is a symbolic link"):
        publish({"text": stage / "a.txt"}, tmp_path / "final")
    assert list(elsewhere.iterdir()) == [] and (stage / "a.txt").exists()


def test_batch_refuses_a_link_at_the_sweep_folder(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0]))
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "s").symlink_to(elsewhere)
    with pytest.raises(BatchError, match=r"^-o .*/out: .*/out/s is a symbolic link \(to .*/elsewhere\)"):
        run_sweep(sweep, out, jobs=1, render_fn=fake_render, console=quiet_console())
    assert list(elsewhere.iterdir()) == []


def test_a_link_at_one_clip_folder_fails_that_clip_only(tmp_path: Path) -> None:
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0]))
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "s").mkdir(parents=True)
    elsewhere.mkdir()
    (out / "s" / sweep.jobs[0].name).symlink_to(elsewhere)
    report = run_sweep(sweep, out, jobs=1, render_fn=fake_render, console=quiet_console())
    assert [r.status for r in report.records] == ["failed", "rendered"]
    assert "OutputError:" in (report.records[0].error or "") and "is a symbolic link" in (report.records[0].error or "")
    assert list(elsewhere.iterdir()) == []  # not a file, not a .vtt


# ----------------------------------------------------------------------------- manifest and gallery failures


def test_a_manifest_that_cannot_be_written_does_not_stop_the_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gallery.atomic_write_text

    def disk_full_for_manifests(path: Path, text: str) -> None:
        if Path(path).name.startswith("manifest."):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, text)

    monkeypatch.setattr(gallery, "atomic_write_text", disk_full_for_manifests)
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0, 2.0]))
    out = tmp_path / "out"
    console = quiet_console()
    report = run_sweep(sweep, out, jobs=1, render_fn=fake_render, console=console)
    assert [r.status for r in report.records] == ["rendered"] * 3  # every clip ran
    assert all(complete_or_absent(out / "s", sweep).values())
    full = "OSError: [Errno 28] No space left on device"
    assert report.problems == (
        f"could not write the manifest in {out / 's'}: {full}",
        f"could not write the gallery in {out / 's'}: {full}",
    )
    assert report.exit_code == 1
    lines = console.file.getvalue().splitlines()
    assert lines.count(f"warning: {report.problems[0]}; the remaining clips still render") == 1


# ----------------------------------------------------------------------------- Dask worker killed mid-job


def test_dead_task_folders_are_removed_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = tmp_path / f"rnn-explainer-batch-pid{os.getpid()}-abc"
    gone = tmp_path / f"rnn-explainer-batch-pid{dead.pid}-def"
    other = tmp_path / "unrelated-pid1-x"
    for folder in (mine, gone, other):
        (folder / ".staging-clip-pid1-x").mkdir(parents=True)
    assert clean_dead_task_dirs(tmp_path) == [gone]
    assert mine.exists() and other.exists() and not gone.exists()


@pytest.mark.slow
def test_a_killed_dask_worker_leaves_no_temporary_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import Client, LocalCluster

    worker_tmp, pids = tmp_path / "worker-tmp", tmp_path / "pids"
    worker_tmp.mkdir()
    pids.mkdir()
    # The workers' temporary folder, the stand-in's importability and its pid files (set before they start).
    monkeypatch.setenv("TMPDIR", str(worker_tmp))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(TESTS)]))
    monkeypatch.setenv("FAKE_PID_DIR", str(pids))
    monkeypatch.setenv("FAKE_DELAY", "4")
    sweep = load_sweep(make_sweep(tmp_path, [0.5, 1.0]))
    victim = sweep.jobs[0].name
    killed: list[int] = []

    def kill_first_render() -> None:
        wait_for(lambda: (pids / f"{victim}.pid").is_file(), 120, "the first render to start")
        pid = int((pids / f"{victim}.pid").read_text())
        wait_for(lambda: any(worker_tmp.glob(f"rnn-explainer-batch-pid{pid}-*/.staging-*")), 30, "its staging")
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        killer = threading.Thread(target=kill_first_render, daemon=True)
        killer.start()
        report = run_sweep(sweep, tmp_path / "out", client=client, render_fn=fake_render, console=quiet_console())
        killer.join(timeout=10)
        assert killed, "the worker was not killed"
        assert [r.status for r in report.records] == ["rendered", "rendered"]  # the job was re-run
        # The re-run cleaned what the killed worker left; every finished task removed its own.
        assert list(worker_tmp.glob("rnn-explainer-batch-*")) == []


# ----------------------------------------------------------------------------- manifest.csv


def test_manifest_csv_cells_are_never_formulas(tmp_path: Path) -> None:
    risky = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    records = [
        ClipRecord(name=f"c{i}", params={"title": text, "rnn.w_h": -0.5}, status="failed", error=text)
        for i, text in enumerate(risky)
    ]
    _, csv_path = write_manifest(tmp_path, "s", ["title", "rnn.w_h"], records)
    rows = list(csv.DictReader(csv_path.open(newline="", encoding="utf-8")))
    assert [r["title"] for r in rows] == ["'" + text for text in risky]
    assert [r["error"] for r in rows] == ["'" + text for text in risky]
    assert {r["rnn.w_h"] for r in rows} == {"-0.5"}  # a number stays a number
    assert all(r["name"] == f"c{i}" for i, r in enumerate(rows))


# ----------------------------------------------------------------------------- Manim's short-animation warnings


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.seen.append(record.getMessage())


def _manim_warning(run_time: float) -> str:
    # Manim's wording (manim/scene/scene.py, Scene.validate_run_time), at 15 fps.
    return (
        f"The original run_time of UnrolledScene.play(), {run_time:g} seconds, is too short for the current "
        "frame rate of 15 FPS. Rendering with the shortest possible run_time of 0.0666667 seconds instead."
    )


def test_short_animation_warnings_become_one_note() -> None:
    logger = logging.getLogger("manim")
    handler = _Records()
    logger.addHandler(handler)
    try:
        with _counting_short_animations(15) as short:
            for _ in range(3):
                logger.warning(_manim_warning(0.04))
            logger.warning(_manim_warning(0.0166667))
            logger.warning("something else")
        logger.warning(_manim_warning(0.04))  # outside a render: Manim's own behaviour
    finally:
        logger.removeHandler(handler)
    assert handler.seen == ["something else", _manim_warning(0.04)]
    assert short.count == 4
    added = 3 * (1 / 15 - 0.04) + (1 / 15 - 0.0166667)
    assert short.note("l") == (
        "4 animations are shorter than one frame at 15 fps (-q l) and were drawn as one frame each, "
        f"so the clip runs {added:.1f} s longer than at full frame rates"
    )


@pytest.mark.slow
def test_a_render_with_sub_frame_steps_says_so_once(tmp_path: Path) -> None:
    config = tmp_path / "fast.yaml"
    config.write_text("sequence: {kind: sine, length: 12}\nstyle: {fast_after: 0, fast_step_seconds: 0.1}\n")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "render.py"), "render", str(config), "-q", "l", "-o", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout + proc.stderr
    assert "too short for the current frame rate" not in text and "WARNING" not in text
    notes = [line for line in proc.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and "shorter than one frame at 15 fps (-q l)" in notes[0], proc.stderr

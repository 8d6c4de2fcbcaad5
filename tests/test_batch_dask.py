"""Real batches on Dask: a ``LocalCluster`` (``--scheduler local``), and a ``dask scheduler`` plus a
``dask worker`` started as separate processes on 127.0.0.1 (``--scheduler tcp://...``).

The worker runs in its own folder and renders into its own temporary folder; the files
come back to this process as bytes in the results. Slow: clips are really rendered.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_batch import complete_or_absent, wait_for
from test_batch_render import make, probe, statuses

from explainer.sweep import load_sweep

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DASK = shutil.which("dask", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))

TWO = """\
base: tiny.yaml
grid:
  rnn.activation: [tanh, sigmoid]
"""


def render_batch(sweep: Path, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), "batch", str(sweep), "-q", "l", "-o", str(out), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )


def check_clips(out: Path, sweep_path: Path) -> list[dict[str, object]]:
    sweep = load_sweep(sweep_path)
    sweep_dir = out / sweep.name
    assert statuses(sweep_dir) == {j.name: "rendered" for j in sweep.jobs}
    assert all(complete_or_absent(sweep_dir, sweep).values())
    clips = json.loads((sweep_dir / "manifest.json").read_text())["clips"]
    for clip in clips:
        info = probe(sweep_dir / str(clip["files"]["video"]))  # type: ignore[index]
        assert (info["width"], info["height"]) == (854, 480) and info["frames"] > 15
        assert ":" in str(clip["worker"])  # host:pid of a Dask worker, not a local pool pid
    return clips


def test_local_cluster(tmp_path: Path) -> None:
    sweep_path = make(tmp_path, TWO, name="dask_local")
    out = tmp_path / "out"
    proc = render_batch(sweep_path, out, "--scheduler", "local", "-j", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "LocalCluster of 2 processes" in proc.stderr
    check_clips(out, sweep_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def dask_cluster(tmp_path: Path, workers: int = 1, env: dict[str, str] | None = None) -> Iterator[str]:
    """A ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes, as separate
    processes on 127.0.0.1; yields the address. Each worker runs in, and writes to, its own folder."""
    if DASK is None:
        pytest.skip("the 'dask' command is not installed (pip install distributed)")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "dask-logs"
    logs.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}  # how a worker gets the project's code
    procs = [
        subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=(logs / "scheduler.log").open("w"),
            stderr=subprocess.STDOUT,
            env=env,
        )
    ]
    try:
        wait_for(lambda: _listening(port), 60, "the scheduler")
        for k in range(workers):
            home = tmp_path / f"worker-home-{k + 1}"  # the worker's own folder: it shares no files with us
            (home / "tmp").mkdir(parents=True)
            procs.append(
                subprocess.Popen(
                    [
                        DASK,
                        "worker",
                        address,
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--local-directory",
                        str(home),
                    ],
                    stdout=(logs / f"worker-{k + 1}.log").open("w"),
                    stderr=subprocess.STDOUT,
                    env={**env, "TMPDIR": str(home / "tmp")},
                    cwd=home,
                )
            )
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[str]:
    """A scheduler and one single-threaded worker, as separate processes; yields the address."""
    with dask_cluster(tmp_path) as address:
        yield address


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_separate_scheduler_and_worker(tmp_path: Path, cluster: str) -> None:
    sweep_path = make(tmp_path, TWO, name="dask_tcp")
    out = tmp_path / "out"
    proc = render_batch(sweep_path, out, "--scheduler", cluster)
    assert proc.returncode == 0, proc.stderr[-3000:] + (tmp_path / "dask-logs" / "worker-1.log").read_text()[-3000:]
    assert f"on {cluster}" in proc.stderr
    clips = check_clips(out, sweep_path)
    assert len({c["worker"] for c in clips}) == 1  # the one worker did both
    # Nothing was written into the worker's folder that should have come back to us.
    assert not list((tmp_path / "worker-home-1").rglob("*.mp4"))
    again = render_batch(sweep_path, out, "--scheduler", cluster)
    assert again.returncode == 0
    assert "all 2 clips up to date" in again.stderr

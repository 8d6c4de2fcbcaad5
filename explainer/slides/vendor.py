"""reveal.js for the offline lecture deck: fetched once from the npm registry, then copied beside each deck.

Lecture halls lose Wi-Fi, so a deck loads nothing from the network: the few reveal.js
files it needs are copied into the deck's folder. They come from npm's ``reveal.js``
package at a pinned version, checked against the registry's published sha512, and kept
under ``vendor/reveal.js-<version>/`` in the work tree (not committed; ``./dev.sh setup``
fetches them). Setup command, also run by ``./dev.sh``::

    python -m explainer.slides fetch-reveal    # one HTTPS download from the npm registry (no npm needed)

Nothing here runs at render time except :func:`reveal_dir` (which only looks) and
:func:`copy_reveal`; a missing vendor folder is one clear line
(:class:`MissingAssetsError`), never a download.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

__all__ = [
    "REVEAL_FILES",
    "REVEAL_INTEGRITY",
    "REVEAL_VERSION",
    "MissingAssetsError",
    "copy_reveal",
    "fetch_reveal",
    "reveal_dir",
]

ROOT = Path(__file__).resolve().parents[2]

#: The version manim-slides 5.7.0's own HTML converter uses by default, so a deck made by
#: ``manim-slides convert -ccdn_url=...`` and ours run the same reveal.js.
REVEAL_VERSION = "6.0.1"
#: What the npm registry publishes as the tarball's integrity (``npm view reveal.js@6.0.1 dist.integrity``).
REVEAL_INTEGRITY = "sha512-9eacArNIgqO2HGWOK+93gJNn+gvdGDVbSq+i2u3Ja9kjiHps0XNLpgYTZTYjKRH91uXy3clGimeGiw4umHG/tg=="
#: The files a deck uses, relative to the package root (no theme: its CSS embeds 0.5 MB of fonts we do not show).
REVEAL_FILES = ("LICENSE", "dist/reveal.css", "dist/reveal.js", "dist/plugin/notes.js")

#: Overrides the vendor folder (a machine that keeps its assets elsewhere).
ENV_VAR = "EXPLAINER_REVEAL_DIR"


class MissingAssetsError(RuntimeError):
    """The vendored reveal.js files are not there; the message is one line saying how to fetch them."""


def default_dir() -> Path:
    override = os.environ.get(ENV_VAR)
    return Path(override) if override else ROOT / "vendor" / f"reveal.js-{REVEAL_VERSION}"


def reveal_dir(folder: Path | None = None) -> Path:
    """The folder holding every file of :data:`REVEAL_FILES`, or :class:`MissingAssetsError`."""
    folder = Path(folder) if folder is not None else default_dir()
    missing = [f for f in REVEAL_FILES if not (folder / f).is_file()]
    if missing:
        raise MissingAssetsError(
            f"reveal.js {REVEAL_VERSION} is missing ({folder / missing[0]} not found): "
            "run ./dev.sh setup, or python -m explainer.slides fetch-reveal"
        )
    return folder


def copy_reveal(dest: Path, folder: Path | None = None) -> list[Path]:
    """Copy the deck's reveal.js files into ``dest`` (same relative layout); return the copies."""
    src = reveal_dir(folder)
    copied = []
    for rel in REVEAL_FILES:
        target = Path(dest) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src / rel, target)
        copied.append(target)
    return copied


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


#: The registry the tarball comes from; ``npm_config_registry`` (npm's own setting) overrides it.
DEFAULT_REGISTRY = "https://registry.npmjs.org"


def _tarball_url() -> str:
    registry = os.environ.get("npm_config_registry") or os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY
    return f"{registry.rstrip('/')}/reveal.js/-/reveal.js-{REVEAL_VERSION}.tgz"


def _download(url: str, timeout: float = 120) -> bytes:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a fixed https URL)
            return bytes(response.read())
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise MissingAssetsError(f"cannot fetch reveal.js {REVEAL_VERSION} from {url}: {reason}") from None


def fetch_reveal(dest: Path | None = None, url: str | None = None) -> Path:
    """Download reveal.js's tarball from the npm registry, check it, unpack the deck's files.

    The tarball's sha512 is computed here and compared with :data:`REVEAL_INTEGRITY` (the
    registry's published integrity for this version), and nothing of it is executed: only
    :data:`REVEAL_FILES` are read out of it. The folder appears complete or not at all.
    """
    dest = Path(dest) if dest is not None else default_dir()
    url = url or _tarball_url()
    data = _download(url)
    got = _integrity(data)
    if got != REVEAL_INTEGRITY:
        raise MissingAssetsError(f"reveal.js {REVEAL_VERSION} from {url} has sha512 {got}, expected {REVEAL_INTEGRITY}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".reveal-", dir=dest.parent) as tmp:
        tarball = Path(tmp) / f"reveal.js-{REVEAL_VERSION}.tgz"
        tarball.write_bytes(data)
        staged = Path(tmp) / "unpacked"
        with tarfile.open(tarball, "r:gz") as tar:
            for rel in REVEAL_FILES:
                member = tar.getmember(f"package/{rel}")
                if not member.isfile():
                    raise MissingAssetsError(f"reveal.js {REVEAL_VERSION}: package/{rel} is not a file")
                target = staged / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as src, open(target, "wb") as out:  # type: ignore[union-attr]
                    shutil.copyfileobj(src, out)
        (staged / ".integrity").write_text(REVEAL_INTEGRITY + "\n", encoding="ascii")
        old = Path(tmp) / "old"
        if dest.exists():
            os.replace(dest, old)
        os.replace(staged, dest)
    return reveal_dir(dest)


def main(argv: list[str] | None = None) -> int:
    """``python -m explainer.slides fetch-reveal [--force]``: fetch reveal.js unless it is already there."""
    args = sys.argv[1:] if argv is None else argv
    force = "--force" in args
    try:
        if not force:
            try:
                print(f"reveal.js {REVEAL_VERSION}: present in {reveal_dir()}")
                return 0
            except MissingAssetsError:
                pass
        print(f"reveal.js {REVEAL_VERSION}: fetched into {fetch_reveal()}")
        return 0
    except MissingAssetsError as exc:
        print(exc, file=sys.stderr)
        return 2

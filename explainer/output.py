"""Writing a clip's files safely, and the small text formats that go with a video.

Every file under ``out/<name>/`` is written to a temporary name in the same
folder tree and moved into place with :func:`os.replace` only when complete, so
an interrupted render leaves the previous good file (or nothing), never a
truncated one. The clip's metadata file, which carries the content hash, is
removed first and written last: a clip counts as up to date only if every file
of one render is in place.

Output goes only into real folders under the output folder (``-o``): the output folder
itself may be a symbolic link (a user's choice), but a link planted at ``out/<name>`` or
``out/<sweep>`` is refused (:class:`OutputError`), never followed, so nothing is
written outside ``-o``. :func:`check_output_dir` checks all this before anything is
written; :func:`publish` checks it again at the moment it moves files into place.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "Chapter",
    "OutputError",
    "Section",
    "atomic_write_bytes",
    "atomic_write_text",
    "chapters_text",
    "check_output_dir",
    "merge_chapters",
    "pid_alive",
    "publish",
    "staging_dir",
]

#: YouTube ignores chapter lists whose chapters are shorter than this.
MIN_CHAPTER_SECONDS = 10.0


class OutputError(Exception):
    """An output folder that cannot, or must not, receive files (one line, naming the folder)."""


def _refuse_link(folder: Path) -> None:
    if folder.is_symlink():
        raise OutputError(
            f"{folder} is a symbolic link (to {os.readlink(folder)}); output is written only into real "
            "folders under the output folder: remove the link"
        )


def check_output_dir(out_dir: Path, *names: str) -> None:
    """Refuse, before anything is written, an output folder that cannot hold ``out_dir/<name>/``.

    ``out_dir`` must be a folder (or not exist yet, under a folder) that can be written to,
    found by creating and removing a file there (permission bits say nothing to root, nor
    about a read-only mount); each ``out_dir/<name>`` must not be a symbolic link, and must
    be a folder if it exists.

    Raises
    ------
    OutputError
        One line naming the folder and the reason.
    """
    out_dir = Path(out_dir)
    existing = out_dir
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        if existing == out_dir:
            raise OutputError(f"{out_dir} is not a folder")
        raise OutputError(f"{existing} is not a folder, so {out_dir} cannot be made in it")
    try:
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write into {existing}: {exc.strerror or exc}") from None
    for name in names:
        folder = out_dir / name
        _refuse_link(folder)
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder} exists and is not a folder")


@dataclass(frozen=True)
class Section:
    """One section of a rendered clip (one ``next_section``): title, time span, caption."""

    title: str
    start: float
    end: float
    caption: str


@dataclass(frozen=True)
class Chapter:
    title: str
    start: float


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's pid in the name lets clean_stale_staging remove what a killed writer left.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.pid{os.getpid()}-", suffix=".part")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a published file is as readable as any other
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (someone else's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def staging_owner(path: Path) -> int | None:
    """The id of the process that made a :func:`staging_dir` folder, from its name (else None)."""
    m = re.fullmatch(r"\.staging-.*-pid(\d+)-[^-]+", Path(path).name)
    return int(m.group(1)) if m else None


def _part_owner(path: Path) -> int | None:
    """The id of the process writing an :func:`atomic_write_bytes` temporary file (else None)."""
    m = re.fullmatch(r"\..*\.pid(\d+)-[^-]+\.part", Path(path).name)
    return int(m.group(1)) if m else None


def clean_stale_staging(out_dir: Path) -> list[Path]:
    """Remove staging folders and half-written temporary files left by processes that
    no longer run (killed with SIGKILL, say)."""
    removed = []
    for p in Path(out_dir).glob(".staging-*"):
        owner = staging_owner(p)
        if owner is not None and p.is_dir() and not pid_alive(owner):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    for p in _part_files(Path(out_dir)):
        owner = _part_owner(p)
        if owner is not None and not pid_alive(owner):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return removed


def _part_files(out_dir: Path) -> list[Path]:
    """Temporary files in ``out_dir`` and in its clip folders (one level down, where e.g.
    a batch writes each clip's ``.vtt`` track). Other processes create and remove folders
    here all the time (their staging folders): one that vanishes mid-scan is skipped."""

    def listing(folder: str) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(folder) as it:
                return list(it)
        except OSError:
            return []

    def is_folder(entry: os.DirEntry[str]) -> bool:
        try:
            return entry.is_dir(follow_symlinks=False)
        except OSError:
            return False

    top = listing(str(out_dir))
    folders = [e.path for e in top if not e.name.startswith(".") and is_folder(e)]
    found = []
    for entries in (top, *map(listing, folders)):
        found += [Path(e.path) for e in entries if e.name.startswith(".") and e.name.endswith(".part")]
    return found


def remove_own_staging(out_dir: Path) -> list[Path]:
    """Remove the staging folders this process made in ``out_dir`` (a worker stopping early).

    A render cut short may still have threads writing into its folder (Manim's segment
    encoders), by path. So each folder is first renamed, which makes every path a writer
    holds point nowhere (its next file fails to open), and then removed; the new name
    keeps the owner's pid, so :func:`clean_stale_staging` still finds what is left.
    """
    removed = []
    for p in Path(out_dir).glob(".staging-*"):
        if staging_owner(p) == os.getpid() and p.is_dir():
            doomed = p
            if not p.name.startswith(".staging-removing-"):
                doomed = p.with_name(f".staging-removing-pid{os.getpid()}-{secrets.token_hex(4)}")
                with contextlib.suppress(OSError):
                    os.rename(p, doomed)
            if not doomed.exists():  # the rename failed: remove it where it is
                doomed = p
            shutil.rmtree(doomed, ignore_errors=True)
            removed.append(p)
    return removed


def staging_dir(out_dir: Path, name: str) -> Path:
    """A private folder beside the final one (same file system, so renames are atomic).

    Its name carries the creating process id, so :func:`clean_stale_staging` can tell
    an abandoned folder from one a running render still uses.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(out_dir)
    path = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".staging-{name}-pid{os.getpid()}-"))
    os.chmod(path, 0o777 & ~_umask())
    return path


def publish(files: Mapping[str, Path], final_dir: Path, metadata_key: str = "metadata") -> dict[str, Path]:
    """Move finished files into ``final_dir``, metadata last; return their final paths.

    ``files`` maps a role (``video``, ``srt``, ...) to a finished file in a staging
    folder on the same file system.

    Raises
    ------
    OutputError
        ``final_dir`` is a symbolic link: files are never moved through one.
    """
    _refuse_link(final_dir)
    final_dir.mkdir(parents=True, exist_ok=True)
    placed: dict[str, Path] = {}
    meta = files.get(metadata_key)
    if meta is not None:
        (final_dir / meta.name).unlink(missing_ok=True)
    for role, src in files.items():
        if role == metadata_key:
            continue
        dst = final_dir / src.name
        os.replace(src, dst)
        placed[role] = dst
    if meta is not None:
        dst = final_dir / meta.name
        os.replace(meta, dst)
        placed[metadata_key] = dst
    return placed


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def merge_chapters(sections: Sequence[Section], min_seconds: float = MIN_CHAPTER_SECONDS) -> list[Chapter]:
    """Group consecutive sections into chapters of at least ``min_seconds``.

    Sections are often a second or two long (one per timestep); YouTube rejects
    chapter lists with chapters under ten seconds. Consecutive short sections are
    merged, and a merged run of steps is titled by its range (``t = 4-9``). The
    first chapter starts at 0:00 as YouTube requires; a short final remainder is
    merged into the chapter before it.
    """
    spans = [s for s in sections if s.end > s.start]
    if not spans:
        return []
    groups: list[list[Section]] = [[]]
    for sec in spans:
        groups[-1].append(sec)
        if groups[-1][-1].end - groups[-1][0].start >= min_seconds:
            groups.append([])
    if not groups[-1]:
        groups.pop()
    if len(groups) > 1 and groups[-1][-1].end - groups[-1][0].start < min_seconds:
        last = groups.pop()
        groups[-1].extend(last)
    chapters = []
    for i, grp in enumerate(groups):
        chapters.append(Chapter(_group_title(grp), 0.0 if i == 0 else grp[0].start))
    return chapters


def _group_title(group: Sequence[Section]) -> str:
    """Titles of merged sections in order, runs of step sections collapsed to ``t = a-b``."""
    parts: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            parts.append(f"t = {run[0]}" if len(run) == 1 else f"t = {run[0]}-{run[-1]}")
            run.clear()

    for sec in group:
        if sec.title.startswith("t = "):
            run.append(sec.title[4:])
        else:
            flush()
            parts.append(sec.title)
    flush()
    return ", ".join(parts)


def _chapter_time(t: float) -> str:
    total = int(t)
    h, rem = divmod(total, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def chapters_text(chapters: Iterable[Chapter]) -> str:
    return "".join(f"{_chapter_time(c.start)} {c.title}\n" for c in chapters)


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False) + "\n"

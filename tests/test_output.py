"""Captions, chapters and safe publication of a clip's files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from explainer.output import (
    Section,
    atomic_write_text,
    chapters_text,
    merge_chapters,
    publish,
)
from explainer.words.captions import Cue, srt_text


def _steps(n: int, first: float = 6.0, step: float = 2.0) -> list[Section]:
    secs = [Section("Introduction", 0.0, first, "The formula.")]
    t = first
    for k in range(1, n + 1):
        secs.append(Section(f"t = {k}", t, t + step, f"Step {k}."))
        t += step
    secs.append(Section("Closing", t, t + 8.0, "What we saw."))
    return secs


def test_srt_blocks_are_numbered_timed_and_in_order() -> None:
    text = srt_text([Cue(0.0, 1.5, ("One.",)), Cue(1.5, 62.25, ("Two", "lines."))])
    assert text == ("1\n00:00:00,000 --> 00:00:01,500\nOne.\n\n2\n00:00:01,500 --> 00:01:02,250\nTwo\nlines.\n")


def test_srt_skips_empty_and_zero_length_cues() -> None:
    text = srt_text([Cue(0.0, 0.0, ("gone",)), Cue(0.0, 1.0, ("",)), Cue(1.0, 2.0, ("kept",))])
    assert text.startswith("1\n00:00:01,000 --> 00:00:02,000\nkept")


def test_chapters_start_at_zero_and_are_at_least_ten_seconds() -> None:
    secs = _steps(12)  # 6 s intro, 12 steps of 2 s, 8 s closing = 38 s
    chapters = merge_chapters(secs)
    assert chapters[0].start == 0.0
    ends = [c.start for c in chapters[1:]] + [secs[-1].end]
    assert all(end - c.start >= 10.0 for c, end in zip(chapters, ends, strict=True))
    assert len(chapters) >= 3
    # every section start is covered by exactly one chapter, in order
    starts = [c.start for c in chapters]
    assert starts == sorted(starts)


def test_merged_step_chapters_are_titled_by_range() -> None:
    chapters = merge_chapters(_steps(12))
    titles = [c.title for c in chapters]
    assert any(re.fullmatch(r"t = \d+-\d+", t) for t in titles), titles


def test_long_sections_stay_one_chapter_each() -> None:
    secs = [Section(f"t = {k}", 12.0 * (k - 1), 12.0 * k, "") for k in range(1, 5)]
    assert [c.title for c in merge_chapters(secs)] == ["t = 1", "t = 2", "t = 3", "t = 4"]
    assert chapters_text(merge_chapters(secs)) == "0:00 t = 1\n0:12 t = 2\n0:24 t = 3\n0:36 t = 4\n"


def test_chapter_times_past_an_hour() -> None:
    from explainer.output import Chapter

    assert chapters_text([Chapter("x", 0.0), Chapter("y", 3725.4)]) == "0:00 x\n1:02:05 y\n"


def test_publish_moves_files_and_writes_metadata_last(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stage, final = tmp_path / "stage", tmp_path / "final"
    stage.mkdir()
    final.mkdir()
    (final / "clip.json").write_text("old metadata")
    files = {}
    for role, name in [("metadata", "clip.json"), ("video", "clip.mp4"), ("srt", "clip.srt")]:
        (stage / name).write_text(role)
        files[role] = stage / name
    order: list[str] = []
    real_replace = os.replace

    def spy(src, dst):  # type: ignore[no-untyped-def]
        order.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    placed = publish(files, final)
    monkeypatch.undo()
    assert order[-1] == "clip.json"
    assert {p.name for p in final.iterdir()} == {"clip.json", "clip.mp4", "clip.srt"}
    assert (final / "clip.json").read_text() == "metadata"
    assert placed["video"] == final / "clip.mp4"
    assert not any(stage.iterdir())


def test_atomic_write_leaves_old_file_when_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.txt"
    target.write_text("good")

    def boom(*_a, **_k):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "half")
    monkeypatch.undo()
    assert target.read_text() == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # no temporary left behind


def test_mixed_merged_chapter_names_every_part_in_order() -> None:
    secs = [
        Section("Network", 0.0, 3.0, ""),
        Section("t = 1", 3.0, 5.0, ""),
        Section("t = 2", 5.0, 7.0, ""),
        Section("t = 3", 7.0, 8.0, ""),
        Section("Summary", 8.0, 11.0, ""),
    ]
    assert [c.title for c in merge_chapters(secs)] == ["Network, t = 1-3, Summary"]


def test_published_files_are_readable_like_any_other(tmp_path: Path) -> None:
    target = tmp_path / "clip.srt"
    atomic_write_text(target, "x")
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask


def test_stale_staging_of_dead_processes_is_removed_live_ones_kept(tmp_path: Path) -> None:
    import subprocess
    import sys

    from explainer.output import clean_stale_staging, staging_dir

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".staging-clip-pid{dead_pid}-abc123"
    stale.mkdir()
    (stale / "half.mp4").write_bytes(b"\0" * 10)
    mine = staging_dir(tmp_path, "other")  # cleans as it goes
    assert not stale.exists()
    assert mine.exists() and f"-pid{os.getpid()}-" in mine.name
    assert clean_stale_staging(tmp_path) == []  # our own live folder stays
    assert mine.exists()


def test_half_written_files_of_dead_writers_are_removed_live_ones_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    from explainer.output import clean_stale_staging

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)

    def killed(*_a, **_k):  # type: ignore[no-untyped-def]
        raise SystemExit  # stands in for SIGKILL just before os.replace ...

    # ... and, like SIGKILL, lets no cleanup run: the temporary file stays.
    monkeypatch.setattr(os, "replace", killed)
    monkeypatch.setattr(Path, "unlink", lambda *a, **k: None)
    for _ in range(2):
        with pytest.raises(SystemExit):
            atomic_write_text(tmp_path / "manifest.csv", "half")
    monkeypatch.undo()
    parts = sorted(tmp_path.iterdir())
    assert len(parts) == 2 and all(f".pid{os.getpid()}-" in p.name for p in parts)
    # One as if written by a process that has since died, one by this live process.
    stale = parts[0].rename(tmp_path / parts[0].name.replace(f".pid{os.getpid()}-", f".pid{dead_pid}-"))
    # And one a folder down, where a clip's own files (a batch's .vtt track) are written.
    (tmp_path / "clip").mkdir()
    stale_in_clip = tmp_path / "clip" / stale.name.replace("manifest.csv", "clip.vtt")
    stale_in_clip.write_text("half")
    assert sorted(clean_stale_staging(tmp_path)) == sorted([stale, stale_in_clip])
    assert not stale.exists() and not stale_in_clip.exists()
    assert parts[1].exists()  # a live writer's file is never touched


def test_cleanup_skips_a_folder_that_vanishes_while_it_looks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Other workers create and remove their folders beside the clip folders all the time;
    # one removed between listing and scanning must not make another worker's render fail.
    import subprocess
    import sys

    from explainer.output import clean_stale_staging

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".manifest.csv.pid{int(dead.stdout)}-abc123.part"
    stale.write_text("half")
    (tmp_path / "gone").mkdir()
    real_scandir = os.scandir

    def scandir(path):  # type: ignore[no-untyped-def]
        if str(path).endswith("gone"):
            raise FileNotFoundError(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert clean_stale_staging(tmp_path) == [stale]

"""Lecture slides, the parts that need no render: slide plans, frame-exact cutting, the deck page,
the presentation file (read back with manim-slides' own model) and the vendored reveal.js checks.

The real clip, manim-slides' converter, the PPTX and the deck in a browser are in
``test_slides_deck.py``.
"""

from __future__ import annotations

import json
import tarfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from synthetic_video import frame_indices, write_video

from explainer.slides import ClipSection, MissingAssetsError, build_slides, plan_slides
from explainer.slides.cut import cut_video, index_video
from explainer.slides.deck import DeckSlide, deck_html
from explainer.slides.presentation import PresentationSlide, load_presentation, presentation_json
from explainer.slides.vendor import REVEAL_FILES, fetch_reveal, reveal_dir


def test_importing_slides_imports_neither_manim_nor_pyav() -> None:
    import subprocess
    import sys

    code = "import sys, explainer.slides; print(sorted({'manim', 'av'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


# ----------------------------------------------------------------------------- plans


def sections(*spans: tuple[str, float, float]) -> list[ClipSection]:
    return [ClipSection(title, start, end, f"caption of {title}") for title, start, end in spans]


#: A clip at 10 fps (64 frames): title 2 s, two slow steps of 1 s, three fast steps of 0.3 s, closing 1.5 s.
CLIP = sections(
    ("Title", 0.0, 2.0),
    ("t = 1", 2.0, 3.0),
    ("t = 2", 3.0, 4.0),
    ("t = 3", 4.0, 4.3),
    ("t = 4", 4.3, 4.6),
    ("t = 5", 4.6, 4.9),
    ("Summary", 4.9, 6.4),
)


def test_one_slide_per_section_with_caption_notes() -> None:
    slides = plan_slides(CLIP, fps=10, total_frames=64)
    assert [s.title for s in slides] == [s.title for s in CLIP]
    assert [(s.start, s.end) for s in slides] == [(0, 20), (20, 30), (30, 40), (40, 43), (43, 46), (46, 49), (49, 64)]
    assert [s.number for s in slides] == [1, 2, 3, 4, 5, 6, 7]
    assert [s.notes for s in slides] == [s.caption for s in CLIP]
    assert [s.sections for s in slides] == [(i,) for i in range(7)]


def test_notes_given_per_section() -> None:
    notes = [f"say {i}" for i in range(7)]
    notes[2] = "  "
    slides = plan_slides(CLIP, fps=10, total_frames=64, notes=notes)
    assert [s.notes for s in slides] == ["say 0", "say 1", "", "say 3", "say 4", "say 5", "say 6"]
    with pytest.raises(ValueError, match="6 notes given for 7 sections"):
        plan_slides(CLIP, fps=10, total_frames=64, notes=notes[:6])


def test_fast_steps_grouped() -> None:
    slides = plan_slides(CLIP, fps=10, total_frames=64, group_under=0.5)
    assert [s.title for s in slides] == ["Title", "t = 1", "t = 2", "t = 3 \u2013 t = 5", "Summary"]
    assert slides[3].sections == (3, 4, 5)
    assert (slides[3].start, slides[3].end) == (40, 49)
    assert slides[3].notes == "caption of t = 3\n\ncaption of t = 4\n\ncaption of t = 5"
    # A single short section between long ones stays a slide of its own.
    lone = sections(("a", 0, 2), ("b", 2, 2.3), ("c", 2.3, 4))
    assert [s.title for s in plan_slides(lone, 10, 40, group_under=0.5)] == ["a", "b", "c"]


def test_a_section_without_frames_gives_its_notes_to_the_next_slide() -> None:
    clip = sections(("a", 0, 1), ("blink", 1, 1.02), ("b", 1.02, 2))
    slides = plan_slides(clip, fps=10, total_frames=20)
    assert [(s.title, s.start, s.end, s.sections) for s in slides] == [("a", 0, 10, (0,)), ("b", 10, 20, (1, 2))]
    assert slides[1].notes == "caption of blink\n\ncaption of b"


def test_the_last_frame_rounding_goes_to_the_closing_slide() -> None:
    slides = plan_slides(sections(("a", 0, 1), ("b", 1, 2.04)), fps=10, total_frames=21)
    assert slides[-1].end == 21


@pytest.mark.parametrize(
    ("clip", "total", "message"),
    [
        (sections(("a", 0, 1), ("b", 1.5, 2)), 20, "'b' starts at 1.5 s but 'a' ends at 1 s"),
        (sections(("a", 0.5, 1)), 10, "first section starts at 0.5 s"),
        (sections(("a", 0, 1)), 30, "sections end at frame 10 but the video has 30 frames"),
        ([], 0, "no sections"),
    ],
)
def test_plan_errors(clip: list[ClipSection], total: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_slides(clip, fps=10, total_frames=total)


# ----------------------------------------------------------------------------- cutting


@pytest.fixture
def clip_video(tmp_path: Path) -> Path:
    """40 numbered frames with B-frames and clean keyframes at 0, 10 and 25 (like three Manim segments)."""
    return write_video(tmp_path / "clip.mp4", 40, keyframes=[0, 10, 25])


def test_index_finds_frames_and_clean_ranges(clip_video: Path) -> None:
    index = index_video(clip_video)
    assert index.frames == 40 and (index.width, index.height) == (64, 36)
    assert {index.packet_frame[p] for p in index.keyframes} == {0, 10, 25}
    assert sorted(index.packet_frame) == list(range(40))
    assert index.packet_frame != tuple(range(40))  # B-frames: decode order differs from display order
    assert index.copy_range(0, 10) == (0, 10)
    assert index.copy_range(10, 25) == (10, 25)
    assert index.copy_range(5, 10) is None  # does not start on a keyframe
    assert index.copy_range(10, 20) is None  # ends inside a group whose B-frames need frame 20


def test_cut_is_frame_exact_forward_and_reversed(clip_video: Path, tmp_path: Path) -> None:
    spans = [(0, 10), (10, 17), (17, 25), (25, 40)]
    files = [tmp_path / f"s{i}.mp4" for i in range(4)]
    revs = [tmp_path / f"s{i}_reversed.mp4" for i in range(4)]
    # Room for 4 raw frames at a time: the reversed copies are made of several chunks joined.
    results = cut_video(clip_video, spans, files, revs, 15, chunk_bytes=int(64 * 36 * 1.5 * 4))
    assert [r.method for r in results] == ["copy", "encode", "encode", "copy"]
    for (start, end), r in zip(spans, results, strict=True):
        assert r.frames == end - start
        assert frame_indices(r.file) == list(range(start, end))
        assert frame_indices(r.rev_file) == list(range(end - 1, start - 1, -1))
    # Copied slides are the clip's own packets: not one pixel differs.
    from synthetic_video import decoded_frames

    whole = decoded_frames(clip_video)
    for (start, end), r in zip(spans, results, strict=True):
        if r.method == "copy":
            assert all((a == b).all() for a, b in zip(decoded_frames(r.file), whole[start:end], strict=True))
    assert not list(tmp_path.glob(".*chunk*"))  # the reversal's pieces are gone


def frame_times(path: Path) -> list[float]:
    import av

    with av.open(str(path)) as c:
        return [float(f.time) for f in c.decode(video=0)]


def test_reversed_copy_keeps_the_frame_rate_across_chunks(clip_video: Path, tmp_path: Path) -> None:
    # 13 frames in chunks of 4: the last chunk (the first frames played backwards) holds one frame.
    (result,) = cut_video(
        clip_video, [(25, 38)], [tmp_path / "f.mp4"], [tmp_path / "r.mp4"], 15, chunk_bytes=int(64 * 36 * 1.5 * 4)
    )
    assert frame_indices(result.rev_file) == list(range(37, 24, -1))
    times = frame_times(result.rev_file)
    assert np.allclose(np.diff(times), 1 / 15, atol=1e-3), times


def test_cut_without_reversed_copies(clip_video: Path, tmp_path: Path) -> None:
    spans = [(0, 10), (10, 17), (25, 40)]
    files = [tmp_path / f"s{i}.mp4" for i in range(3)]
    results = cut_video(clip_video, spans, files, None, 15)
    assert [(r.method, r.rev_file) for r in results] == [("copy", None), ("encode", None), ("copy", None)]
    for (start, end), r in zip(spans, results, strict=True):
        assert frame_indices(r.file) == list(range(start, end))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "s0.mp4", "s1.mp4", "s2.mp4"]


def test_cut_rejects_bad_spans(clip_video: Path, tmp_path: Path) -> None:
    one = [tmp_path / "a.mp4"]
    with pytest.raises(ValueError, match="ordered, non-empty and within the 40 frames"):
        cut_video(clip_video, [(30, 45)], one, [tmp_path / "b.mp4"], 15)
    with pytest.raises(ValueError, match="ordered"):
        cut_video(clip_video, [(10, 20), (5, 30)], one * 2, [tmp_path / "b.mp4"] * 2, 15)


# ----------------------------------------------------------------------------- presentation file


def test_presentation_file_reads_back_with_manim_slides(tmp_path: Path) -> None:
    videos = tmp_path / "slides" / "files" / "demo"
    videos.mkdir(parents=True)
    for n in ("a.mp4", "a_r.mp4", "b.mp4", "b_r.mp4"):
        write_video(videos / n, 3)
    text = presentation_json(
        [
            PresentationSlide("slides/files/demo/a.mp4", "slides/files/demo/a_r.mp4", "First <b> & notes"),
            PresentationSlide("slides/files/demo/b.mp4", "slides/files/demo/b_r.mp4", "  indented\n  twice"),
        ],
        (854, 480),
        "#14161B",
    )
    path = tmp_path / "slides" / "demo.json"
    path.write_text(text, encoding="utf-8")
    pres = load_presentation(path)
    assert len(pres.slides) == 2
    assert pres.slides[0].file == videos / "a.mp4" and pres.slides[1].rev_file == videos / "b_r.mp4"
    assert pres.slides[0].notes == "First <b> & notes"
    assert pres.slides[1].notes == "  indented\n  twice"  # kept as written (dedent_notes is off)
    assert tuple(pres.resolution) == (854, 480)
    assert pres.background_color.as_hex().lower() == "#14161b"
    assert all(not s.loop and not s.auto_next for s in pres.slides)
    # The paths inside are relative to the folder holding slides/ (so the deck folder can move).
    assert json.loads(text)["slides"][0]["file"] == "slides/files/demo/a.mp4"


def test_presentation_with_a_missing_video_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "slides").mkdir()
    path = tmp_path / "slides" / "x.json"
    path.write_text(presentation_json([PresentationSlide("nope.mp4", "nope.mp4", "")], (8, 8), "#000000"))
    with pytest.raises(ValueError, match="file"):  # pydantic's ValidationError is a ValueError
        load_presentation(path)


# ----------------------------------------------------------------------------- deck page


class DeckParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.sections: list[dict[str, str | None]] = []
        self.videos: list[dict[str, str | None]] = []
        self.notes: list[str] = []
        self._in_notes = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for key in ("src", "href", "data-src"):
            if a.get(key):
                self.urls.append(a[key] or "")
        if tag == "section":
            self.sections.append(a)
        elif tag == "video":
            self.videos.append(a)
        elif tag == "aside" and a.get("class") == "notes":
            self._in_notes = True
            self.notes.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "aside":
            self._in_notes = False

    def handle_data(self, data: str) -> None:
        if self._in_notes:
            self.notes[-1] += data


def test_deck_page_is_local_and_escaped() -> None:
    page = deck_html(
        "A <title>",
        [DeckSlide("slides/files/x/slide_01.mp4", "Title", "x < 1 & y\n\nsecond"), DeckSlide("v2.mp4", "t = 1", "")],
        "slides/reveal",
        (854, 480),
    )
    parser = DeckParser()
    parser.feed(page)
    assert parser.urls == [
        "slides/reveal/dist/reveal.css",
        "slides/files/x/slide_01.mp4",
        "v2.mp4",
        "slides/reveal/dist/reveal.js",
        "slides/reveal/dist/plugin/notes.js",
    ]
    assert [s["aria-label"] for s in parser.sections] == ["Title", "t = 1"]
    assert all("muted" in v for v in parser.videos)  # no sound: allowed to start without a click
    assert parser.notes == ["x < 1 & ysecond"]  # escaped text, one paragraph each; no notes, no aside
    assert "<title>A &lt;title&gt;</title>" in page
    assert "http" not in page


# ----------------------------------------------------------------------------- vendored reveal.js


def test_missing_reveal_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MissingAssetsError) as err:
        reveal_dir(tmp_path)
    msg = str(err.value)
    assert "\n" not in msg and "reveal.js 6.0.1 is missing" in msg and "fetch-reveal" in msg
    # build_slides stops before rendering anything: the config here could not even be rendered.
    monkeypatch.setenv("EXPLAINER_REVEAL_DIR", str(tmp_path))
    with pytest.raises(MissingAssetsError):
        build_slides(object(), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def fake_tarball(folder: Path, payload: dict[str, bytes]) -> Path:
    """A tarball laid out as npm publishes one: ``payload`` under ``package/``."""
    tarball_src = folder / "src"
    for rel, data in payload.items():
        p = tarball_src / "package" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    tgz = folder / "reveal.js-6.0.1.tgz"
    with tarfile.open(tgz, "w:gz") as tar:
        tar.add(tarball_src / "package", arcname="package")
    return tgz


def test_fetch_checks_the_published_sha512(tmp_path: Path) -> None:
    tgz = fake_tarball(tmp_path, {rel: b"not the real file" for rel in REVEAL_FILES})
    dest = tmp_path / "vendor" / "reveal.js-6.0.1"
    with pytest.raises(MissingAssetsError, match="has sha512 .* expected sha512-9eac"):
        fetch_reveal(dest, url=tgz.as_uri())
    assert not dest.exists()  # nothing half-unpacked is left to look complete


def test_fetch_from_an_unreachable_registry_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9")  # npm's own setting is honoured
    with pytest.raises(
        MissingAssetsError, match=r"cannot fetch reveal.js 6.0.1 from http://127.0.0.1:9/reveal.js/"
    ) as e:
        fetch_reveal(tmp_path / "r")
    assert "\n" not in str(e.value) and not (tmp_path / "r").exists()

"""Lecture slides from a real clip, checked with real clients.

One short clip is rendered (``-q l``) and turned into a deck once for the module. Then:
manim-slides' own model loads the presentation and its ``convert`` command makes HTML
and PPTX from it; python-pptx reads our PPTX back; PyAV counts every slide's frames
against its section; and headless Chromium, with no network at all, steps through the
offline reveal.js deck with the keys a keyboard and a clicker send.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cdp_browser import CHROMIUM, browser
from PIL import Image
from synthetic_video import decoded_frames

from explainer.config import load_config
from explainer.slides import SlidesResult, build_slides
from explainer.slides.vendor import MissingAssetsError, reveal_dir

pytestmark = pytest.mark.slow

try:
    reveal_dir()
    REVEAL = None
except MissingAssetsError as exc:
    REVEAL = str(exc)
if REVEAL:
    pytest.skip(REVEAL, allow_module_level=True)

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

CONFIG = """\
title: "Lecture test"
scene: unrolled
sequence: {kind: linear, length: 4}
rnn: {activation: tanh, w_x: 0.5, w_h: 0.8, b: 0.1}
style: {step_seconds: 1.0, fast_after: 2, fast_step_seconds: 0.4}
output: {name: lecture, quality: l}
"""


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> SlidesResult:
    root = tmp_path_factory.mktemp("slides")
    (root / "lecture.yaml").write_text(CONFIG, encoding="utf-8")
    cfg = load_config(root / "lecture.yaml")
    return build_slides(cfg, root / "out", quality="l", quiet=True)


def clip_meta(deck: SlidesResult) -> dict[str, Any]:
    return json.loads(Path(deck.clip.files["metadata"]).read_text(encoding="utf-8"))


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


# ----------------------------------------------------------------------------- files and frames


def test_layout(deck: SlidesResult) -> None:
    folder = deck.files["html"].parent
    assert deck.status == "built"
    # The slides are cut from the deck's own animation-paced timeline, rendered beside it.
    assert deck.clip.files["video"].parent == folder / "slides" / "timeline" / "lecture"
    assert deck.files["presentation"] == folder / "slides" / "lecture.json"
    assert deck.files["html"] == folder / "lecture.slides.html"
    assert deck.files["pptx"] == folder / "lecture.pptx"
    for s in deck.slides:
        assert s.file.parent == folder / "slides" / "files" / "lecture"
        assert s.file.is_file() and s.rev_file.is_file()
    assert (deck.files["reveal"] / "dist" / "reveal.js").is_file()
    assert (deck.files["reveal"] / "LICENSE").is_file()
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".staging")]


def test_one_slide_per_section_frame_exact(deck: SlidesResult) -> None:
    meta = clip_meta(deck)
    fps = 15  # -q l
    sections = meta["sections"]
    assert len(deck.slides) == len(sections) == 8  # title, input, network, four steps, summary
    whole = decoded_frames(deck.clip.files["video"])
    for s, sec in zip(deck.slides, sections, strict=True):
        expected = round(sec["end"] * fps) - round(sec["start"] * fps)
        assert frame_count(s.file) == expected, sec["title"]
        assert frame_count(s.rev_file) == expected, sec["title"]
        start = round(sec["start"] * fps)
        fwd = decoded_frames(s.file)
        # The slide shows the clip's own frames (copied: exactly), and its reversed copy ends where it starts.
        assert s.method == "copy"
        assert all((a == b).all() for a, b in zip(fwd, whole[start : start + expected], strict=True))
        rev = decoded_frames(s.rev_file)
        assert np.abs(rev[0].astype(int) - fwd[-1]).mean() < 2 and np.abs(rev[-1].astype(int) - fwd[0]).mean() < 2
    assert sum(frame_count(s.file) for s in deck.slides) == len(whole) == meta["video"]["frames"]


def test_no_audio_in_slides(deck: SlidesResult) -> None:
    import av

    for s in deck.slides:
        for path in (s.file, s.rev_file):
            with av.open(str(path)) as c:
                assert len(c.streams.audio) == 0 and len(c.streams.video) == 1


# ----------------------------------------------------------------------------- manim-slides


def test_presentation_loads_with_manim_slides_model(deck: SlidesResult) -> None:
    from manim_slides.config import PresentationConfig

    pres = PresentationConfig.from_file(deck.files["presentation"])
    meta = clip_meta(deck)
    assert len(pres.slides) == len(meta["sections"])
    # Notes: the script's words over each section (each slide of a fast-step group gets the group's).
    script = {p["name"]: p for p in meta["script"]}
    by_section = {sec: p["clauses"] for p in script.values() for sec in p["sections"]}
    expected = [
        " ".join(c["text"] for c in by_section[name])
        for name in (p["sections"] for p in meta["script"])
        for name in name
    ]
    assert [s.notes for s in pres.slides] == expected
    assert [Path(s.file) for s in pres.slides] == [s.file for s in deck.slides]
    assert [Path(s.rev_file) for s in pres.slides] == [s.rev_file for s in deck.slides]
    assert tuple(pres.resolution) == (854, 480)
    assert all(not s.loop and not s.auto_next for s in pres.slides)


def manim_slides(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("manim-slides")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("fmt", ["html", "pptx"])
def test_manim_slides_convert(deck: SlidesResult, fmt: str, tmp_path: Path) -> None:
    folder = deck.files["presentation"].parent.parent
    dest = tmp_path / f"converted.{fmt}"
    proc = manim_slides("convert", "lecture", str(dest), "--to", fmt, "--folder", "slides", cwd=folder)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert dest.is_file() and dest.stat().st_size > 0
    n = len(deck.slides)
    if fmt == "html":
        page = dest.read_text(encoding="utf-8")
        assert page.count("data-background-video=") == n
        assert len(list((tmp_path / "converted_assets").glob("*.mp4"))) == n
    else:
        import pptx

        assert len(pptx.Presentation(str(dest)).slides) == n


# ----------------------------------------------------------------------------- our PPTX


def test_pptx_has_one_movie_and_notes_per_slide(deck: SlidesResult) -> None:
    import pptx
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = pptx.Presentation(str(deck.files["pptx"]))
    meta = clip_meta(deck)
    assert len(prs.slides) == len(meta["sections"])
    assert (prs.slide_width, prs.slide_height) == (854 * 9525, 480 * 9525)
    for slide, built, sec in zip(prs.slides, deck.slides, meta["sections"], strict=True):
        movies = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.MEDIA]
        assert len(movies) == 1
        # The notes are the narration script's words over the slide's section.
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text == built.plan.notes
        assert built.plan.notes and (not sec["caption"] or built.plan.notes == sec["caption"])
        media = [r.target_part for r in slide.part.rels.values() if r.reltype.endswith("/media")]
        assert [m.blob for m in media] == [built.file.read_bytes()]  # the slide's own video, embedded


# ----------------------------------------------------------------------------- caching


def test_rebuild_is_cached_unless_forced_or_changed(deck: SlidesResult) -> None:
    cfg = load_config(deck.files["html"].parent.parent.parent / "lecture.yaml")
    out = deck.files["html"].parent.parent
    stamp = deck.files["build"].read_text()
    again = build_slides(cfg, out, quality="l", quiet=True)
    assert again.status == "cached" and again.clip.status == "cached"
    assert deck.files["build"].read_text() == stamp
    notes = [f"note {i}" for i in range(len(deck.slides))]
    renoted = build_slides(cfg, out, quality="l", quiet=True, notes=notes)
    assert renoted.status == "built" and renoted.clip.status == "cached"
    from manim_slides.config import PresentationConfig

    assert [s.notes for s in PresentationConfig.from_file(deck.files["presentation"]).slides] == notes
    grouped = build_slides(cfg, out, quality="l", quiet=True, group_fast_steps=True)
    # Steps 3 and 4 are the fast ones (fast_after: 2): one slide together.
    titles = [s.plan.title for s in grouped.slides]
    assert "t = 3 \u2013 t = 4" in titles and len(titles) == len(deck.slides) - 1
    merged = next(s for s in grouped.slides if s.plan.title == "t = 3 \u2013 t = 4")
    assert frame_count(merged.file) == merged.plan.frames
    # Back to the plain deck for the browser tests below.
    assert build_slides(cfg, out, quality="l", quiet=True).status == "built"


def test_deck_without_reversed_copies(deck: SlidesResult, tmp_path: Path) -> None:
    from manim_slides.config import PresentationConfig

    cfg = load_config(deck.files["html"].parent.parent.parent / "lecture.yaml")
    out = tmp_path / "out"
    shutil.copytree(deck.files["html"].parent, out / "lecture")  # the deck's timeline clip, up to date
    lean = build_slides(cfg, out, quality="l", quiet=True, reversed_copies=False)
    assert lean.clip.status == "cached" and lean.status == "built"
    pres = PresentationConfig.from_file(lean.files["presentation"])
    assert (
        [Path(s.rev_file) for s in pres.slides] == [Path(s.file) for s in pres.slides] == [s.file for s in lean.slides]
    )
    assert not list((out / "lecture" / "slides" / "files" / "lecture").glob("*_reversed.mp4"))
    for s, full in zip(lean.slides, deck.slides, strict=True):
        assert s.file.read_bytes() == full.file.read_bytes()  # the same copied packets either way


def test_an_interrupted_build_leaves_the_previous_deck(deck: SlidesResult, monkeypatch: pytest.MonkeyPatch) -> None:
    from manim_slides.config import PresentationConfig

    import explainer.slides.build as build_module

    cfg = load_config(deck.files["html"].parent.parent.parent / "lecture.yaml")
    out = deck.files["html"].parent.parent
    before = [s.notes for s in PresentationConfig.from_file(deck.files["presentation"]).slides]

    def interrupted(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(build_module, "write_pptx", interrupted)  # after the videos were cut, before publishing
    with pytest.raises(KeyboardInterrupt):
        build_slides(cfg, out, quality="l", quiet=True, notes=["other"] * len(deck.slides))
    assert [s.notes for s in PresentationConfig.from_file(deck.files["presentation"]).slides] == before
    assert not [p for p in out.iterdir() if p.name.startswith(".staging")]
    assert build_slides(cfg, out, quality="l", quiet=True).status == "cached"  # nothing of it was published


# ----------------------------------------------------------------------------- the deck in a browser


def current(page: Any) -> dict[str, Any]:
    return page.evaluate(
        "(function () { var s = Reveal.getCurrentSlide(), v = s.querySelector('video');"
        " return {h: Reveal.getIndices().h, src: v.currentSrc, t: v.currentTime, d: v.duration,"
        " paused: v.paused, ended: v.ended, ready: v.readyState,"
        " notes: s.querySelector('aside.notes').textContent}; })()"
    )


def wait_playing(page: Any, index: int) -> None:
    page.wait_for(
        f"Reveal.getIndices().h === {index} && (function (v) {{ return !v.paused && v.currentTime > 0.1; }})"
        "(Reveal.getCurrentSlide().querySelector('video'))",
        timeout=20,
    )


def assert_all_local(requests: list[str], folder: Path) -> None:
    assert requests, "no request was logged at all"
    for url in requests:
        assert url.startswith(folder.as_uri() + "/"), url


def screen_matches(shot: Path, frame: np.ndarray) -> float:
    """Mean difference between the middle of a screenshot and of a video frame of the same size."""
    img = np.asarray(Image.open(shot).convert("RGB")).astype(int)
    h, w, _ = frame.shape
    assert img.shape[:2] == (h, w)
    ys, xs = slice(h // 8, h * 7 // 8), slice(w // 8, w * 7 // 8)  # clear of the controls and progress bar
    return float(np.abs(img[ys, xs] - frame[ys, xs].astype(int)).mean())


@needs_chromium
def test_offline_deck_keys_and_video(deck: SlidesResult, tmp_path: Path) -> None:
    folder = deck.files["html"].parent
    meta = clip_meta(deck)
    with browser() as b:
        page = b.new_page(viewport=(854, 480))
        page.goto(deck.files["html"].as_uri())
        page.wait_for("window.Reveal && Reveal.isReady()")
        # Slide 1 is shown and its video plays from the start.
        wait_playing(page, 0)
        first = current(page)
        assert first["src"].endswith("slides/files/lecture/slide_01.mp4")
        assert first["notes"] == meta["sections"][0]["caption"]
        # Arrow right: slide 2, its video plays, then holds its last frame.
        page.press("ArrowRight")
        wait_playing(page, 1)
        assert current(page)["src"].endswith("slide_02.mp4")
        page.screenshot(tmp_path / "deck_slide2_playing.png")
        page.wait_for("Reveal.getCurrentSlide().querySelector('video').ended", timeout=30)
        held = current(page)
        assert held["paused"] and abs(held["t"] - held["d"]) < 0.1
        shot = page.screenshot(tmp_path / "deck_slide2_end.png")
        assert screen_matches(shot, decoded_frames(deck.slides[1].file)[-1]) < 6
        # Arrow left: back on slide 1, shown as it ended (last frame, paused).
        page.press("ArrowLeft")
        page.wait_for(
            "Reveal.getIndices().h === 0 && (function (v) { return v.paused && v.readyState >= 2"
            " && Math.abs(v.currentTime - v.duration) < 0.1; })(Reveal.getCurrentSlide().querySelector('video'))"
        )
        time.sleep(0.3)
        shot = page.screenshot(tmp_path / "deck_slide1_back.png")
        assert screen_matches(shot, decoded_frames(deck.slides[0].file)[-1]) < 6
        # A clicker sends PageDown / PageUp.
        page.press("PageDown")
        wait_playing(page, 1)
        page.press("PageUp")
        page.wait_for("Reveal.getIndices().h === 0")
        assert_all_local(page.requests, folder)
        assert any(u.endswith("/slides/reveal/dist/reveal.js") for u in page.requests)
        assert not page.console_errors


@needs_chromium
def test_speaker_view_shows_notes_offline(deck: SlidesResult) -> None:
    folder = deck.files["html"].parent
    meta = clip_meta(deck)
    notes_js = "(function () { var e = document.querySelector('.speaker-controls-notes .value');"
    notes_js += " return e ? e.textContent.trim() : ''; })()"
    with browser() as b:
        page = b.new_page(viewport=(854, 480))
        page.goto(deck.files["html"].as_uri())
        page.wait_for("window.Reveal && Reveal.isReady()")
        page.press("s")  # reveal.js's notes plugin opens the speaker view
        speaker = b.wait_popup(page)
        assert speaker.wait_for(notes_js) == meta["sections"][0]["caption"]
        page.press("ArrowRight")
        speaker.wait_for(f"{notes_js} === {json.dumps(meta['sections'][1]['caption'])}")
        assert_all_local(page.requests + speaker.requests, folder)

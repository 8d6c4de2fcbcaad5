"""What a batch leaves for review: WebVTT captions, contact sheet, and the static gallery page.

The page is also opened in a real headless Chromium (skipped, with the reason, when
``chromium`` is not installed: ``apt-get install chromium``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from PIL import Image

from explainer.gallery import ClipRecord, srt_to_vtt, write_contact_sheet, write_gallery
from explainer.naming import format_value

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


# ----------------------------------------------------------------------------- captions


def test_srt_to_vtt() -> None:
    srt = (
        "1\r\n00:00:00,000 --> 00:00:01,500\r\nt = 1: h = tanh(0.5)\r\n\r\n"
        "2\n00:00:01,500 --> 01:02:03,04\nfirst line\nsecond --> line\n\n\n"
    )
    assert srt_to_vtt(srt) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:01.500\nt = 1: h = tanh(0.5)\n\n"
        "2\n00:00:01.500 --> 01:02:03.040\nfirst line\nsecond \u2192 line\n"
    )


def test_srt_to_vtt_empty_and_junk() -> None:
    assert srt_to_vtt("") == "WEBVTT\n"
    assert srt_to_vtt("not captions at all\n") == "WEBVTT\n"


def test_format_value() -> None:
    assert [format_value(v) for v in (1.5, 2.0, 1e-05, 3, True, "relu", [[1, 0.5], [0, 1]])] == [
        "1.5",
        "2",
        "1e-05",
        "3",
        "true",
        "relu",
        "[[1, 0.5], [0, 1]]",
    ]


# ----------------------------------------------------------------------------- a fake sweep folder


def fake_clip(sweep_dir: Path, name: str, color: tuple[int, int, int], srt: str) -> dict[str, Path]:
    folder = sweep_dir / name
    folder.mkdir(parents=True)
    files = {
        "video": folder / f"{name}.mp4",
        "srt": folder / f"{name}.srt",
        "chapters": folder / f"{name}.chapters.txt",
        "thumbnail": folder / f"{name}.png",
        "metadata": folder / f"{name}.json",
    }
    files["video"].write_bytes(b"\x00")
    files["srt"].write_text(srt, encoding="utf-8")
    files["chapters"].write_text("0:00 Intro\n0:12 t = 1-4\n", encoding="utf-8")
    Image.new("RGB", (854, 480), color).save(files["thumbnail"])
    meta = {"chapters": [{"title": "Intro", "start": 0.0}, {"title": "t = 1-4", "start": 12.5}]}
    files["metadata"].write_text(json.dumps(meta), encoding="utf-8")
    return files


SRT = "1\n00:00:00,000 --> 00:00:02,000\nHello <world> & co\n"


@pytest.fixture
def gallery(tmp_path: Path) -> tuple[Path, list[ClipRecord], dict[str, Path]]:
    sweep_dir = tmp_path / "out" / "demo"
    records = [
        ClipRecord(
            "c-w_h_0.5",
            {"rnn.w_h": 0.5, "rnn.activation": "tanh"},
            "rendered",
            "h1",
            21.0,
            9.5,
            fake_clip(sweep_dir, "c-w_h_0.5", (255, 0, 0), SRT),
            title="A & B",
        ),
        ClipRecord(
            "c-w_h_1",
            {"rnn.w_h": 1.0, "rnn.activation": "tanh"},
            "cached",
            "h2",
            21.0,
            0.0,
            fake_clip(sweep_dir, "c-w_h_1", (0, 0, 255), SRT),
        ),
        ClipRecord("c-w_h_1.5", {"rnn.w_h": 1.5, "rnn.activation": "relu"}, "failed", error="RuntimeError: <boom>"),
        ClipRecord("c-w_h_2", {"rnn.w_h": 2.0, "rnn.activation": "relu"}, "not_run"),
        ClipRecord(
            "c-w_h_3",
            {"rnn.w_h": 3.0, "rnn.activation": "relu"},
            "rendered",
            "h5",
            21.0,
            9.0,
            fake_clip(sweep_dir, "c-w_h_3", (0, 255, 0), SRT),
        ),
    ]
    paths = write_gallery(sweep_dir, "demo", ["rnn.w_h", "rnn.activation"], records, {"quality": "l"})
    return sweep_dir, records, paths


class PageParser(HTMLParser):
    """Collects figures, sources, tracks and images of the gallery page."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: list[dict[str, str | None]] = []
        self.sources: list[str] = []
        self.tracks: list[str] = []
        self.cues: list[list[list[object]]] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure":
            self.figures.append(a)
        elif tag == "video" and "data-cues" in a:
            self.cues.append(json.loads(a["data-cues"] or ""))
        elif tag == "source":
            self.sources.append(a["src"] or "")
        elif tag == "track":
            self.tracks.append(a["src"] or "")
        elif tag == "img":
            self.images.append(a["src"] or "")
        elif tag == "a" and a.get("href") not in (None, "#"):
            self.links.append(a["href"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_gallery_files(gallery: tuple[Path, list[ClipRecord], dict[str, Path]]) -> None:
    sweep_dir, records, paths = gallery
    assert set(paths) == {"manifest_json", "manifest_csv", "contact_sheet", "index_html"}
    assert all(p.parent == sweep_dir and p.is_file() for p in paths.values())
    # One .vtt beside every available clip's .srt, none for the others.
    for rec in records:
        vtt = sweep_dir / rec.name / f"{rec.name}.vtt"
        assert vtt.is_file() == rec.ok
        if rec.ok:
            assert vtt.read_text() == "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nHello <world> & co\n"
    doc = json.loads(paths["manifest_json"].read_text())
    assert doc["quality"] == "l"
    assert doc["summary"] == {"total": 5, "rendered": 2, "cached": 1, "failed": 1, "not_run": 1}
    assert doc["clips"][0]["files"]["vtt"] == "c-w_h_0.5/c-w_h_0.5.vtt"


def test_index_html_lists_every_clip_with_relative_files(
    gallery: tuple[Path, list[ClipRecord], dict[str, Path]],
) -> None:
    sweep_dir, records, paths = gallery
    page = PageParser()
    page.feed(paths["index_html"].read_text())
    assert [f["data-clip"] for f in page.figures] == [r.name for r in records]
    assert [f["data-status"] for f in page.figures] == [r.status for r in records]
    ok = [r for r in records if r.ok]
    assert page.sources == [f"{r.name}/{r.name}.mp4" for r in ok]
    # Captions are cues in the page (a file:// page may not load a <track> file); the .vtt is a download.
    assert page.tracks == []
    assert page.cues == [[[0.0, 2.0, "Hello <world> & co"]]] * len(ok)
    assert [link for link in page.links if link.endswith(".vtt")] == [f"{r.name}/{r.name}.vtt" for r in ok]
    for src in page.sources + page.links:
        assert not src.startswith(("/", "http:", "https:", "file:")), src
        assert (sweep_dir / unquote(src)).is_file(), src
    text = "".join(page.text)
    assert "RuntimeError: <boom>" in text  # escaped in the page, read back as text
    assert "A & B" in text
    assert "0:12 t = 1-4" in text  # chapter links from the metadata
    assert "rnn.activation" in text and "relu" in text


def test_contact_sheet_layout(gallery: tuple[Path, list[ClipRecord], dict[str, Path]]) -> None:
    _, records, paths = gallery
    n, cell_w, pad = len(records), 320, 8
    cols = math.ceil(math.sqrt(n))  # 5 clips -> 3 columns, 2 rows
    rows = math.ceil(n / cols)
    thumb_h = round(cell_w * 9 / 16)
    cell_h = thumb_h + 2 * 18 + pad
    with Image.open(paths["contact_sheet"]) as im:
        im = im.convert("RGB")
        assert im.size == (cols * (cell_w + pad) + pad, rows * (cell_h + pad) + pad)

        def centre(i: int) -> tuple[int, int, int]:
            x = pad + (i % cols) * (cell_w + pad) + cell_w // 2
            y = pad + (i // cols) * (cell_h + pad) + thumb_h // 4  # above the status text
            return im.getpixel((x, y))

        assert centre(0) == (255, 0, 0)
        assert centre(1) == (0, 0, 255)
        assert centre(2) == centre(3) == (70, 70, 76)  # no thumbnail: the grey tile
        assert centre(4) == (0, 255, 0)


def test_contact_sheet_of_one(tmp_path: Path) -> None:
    sheet = write_contact_sheet(tmp_path / "one.png", [ClipRecord("x", {}, "failed")])
    with Image.open(sheet) as im:
        assert im.size == (320 + 16, round(320 * 9 / 16) + 36 + 8 + 16)


# ----------------------------------------------------------------------------- in a real browser


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on a free localhost port; yield the base URL."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def browser_dom(url: str, budget_ms: int = 15000) -> str:
    """The DOM of ``url`` after it loaded, as headless Chromium sees it."""
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        proc = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--virtual-time-budget={budget_ms}",
                "--dump-dom",
                url,
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


#: A page beside index.html that loads it in a frame and reports, per video, what the
#: browser made of it: metadata loaded (or the media error code), size, duration, and
#: how many caption cues it parsed from the track.
PROBE_PAGE = """<!DOCTYPE html><html><body>
<iframe id="f" src="index.html" style="width:1400px;height:900px"></iframe>
<script>
function probe(v) {
  return new Promise(function (res) {
    var t = v.querySelector('track'), s = v.querySelector('source'), meta = v.readyState >= 1,
        err = v.networkState === 3 ? 'no source' : null, track = !t || t.readyState >= 2;
    function fin() {
      if ((meta || err !== null) && track) res({clip: v.closest('figure').dataset.clip, meta: meta, err: err,
        duration: v.duration, width: v.videoWidth, height: v.videoHeight,
        cues: v.textTracks.length && v.textTracks[0].cues ? v.textTracks[0].cues.length : null});
    }
    v.addEventListener('loadedmetadata', function () { meta = true; fin(); });
    v.addEventListener('error', function () { err = v.error ? v.error.code : -1; fin(); });
    // With <source> children a failed file fires "error" on the source, not the video.
    if (s) s.addEventListener('error', function () { err = 'source error'; fin(); });
    if (t) {
      t.addEventListener('load', function () { track = true; fin(); });
      t.addEventListener('error', function () { track = true; fin(); });
    }
    fin();
  });
}
document.getElementById('f').addEventListener('load', function () {
  var d = document.getElementById('f').contentDocument;
  Promise.all([].slice.call(d.querySelectorAll('figure.clip video')).map(probe)).then(function (out) {
    var pre = document.createElement('pre');
    pre.id = 'probe';
    pre.textContent = JSON.stringify({clips: [].slice.call(d.querySelectorAll('figure[data-clip]')).map(
      function (f) { return f.dataset.clip; }), videos: out});
    document.body.appendChild(pre);
  });
});
</script></body></html>
"""


def probe_gallery(sweep_dir: Path) -> dict[str, Any]:
    """Open ``sweep_dir/index.html`` in Chromium (over localhost HTTP) and return the probe's report."""
    probe = sweep_dir / "_probe.html"
    probe.write_text(PROBE_PAGE, encoding="utf-8")
    try:
        with serve(sweep_dir) as base:
            dom = browser_dom(f"{base}/_probe.html")
    finally:
        probe.unlink()
    start = dom.find('<pre id="probe">')
    assert start >= 0, f"the probe did not finish: {dom[-1500:]}"
    import html

    return json.loads(html.unescape(dom[start + len('<pre id="probe">') : dom.index("</pre>", start)]))


@needs_chromium
def test_gallery_in_headless_chromium(gallery: tuple[Path, list[ClipRecord], dict[str, Path]]) -> None:
    sweep_dir, records, paths = gallery
    dom = browser_dom(paths["index_html"].as_uri(), budget_ms=2000)
    page = PageParser()
    page.feed(dom)
    assert [f["data-clip"] for f in page.figures] == [r.name for r in records]
    for src in page.sources:
        assert (sweep_dir / unquote(src)).is_file(), src
    # Our stand-in videos are one byte: the browser must say it cannot decode them,
    # which shows the probe tells a playable video from a broken one.
    report = probe_gallery(sweep_dir)
    assert report["clips"] == [r.name for r in records]
    assert [v["clip"] for v in report["videos"]] == [r.name for r in records if r.ok]
    for video in report["videos"]:
        assert video["meta"] is False and video["err"] is not None, video
        assert video["cues"] == 1  # the captions themselves parse


CAPTIONS_STATE = (
    "JSON.stringify([].map.call(document.querySelectorAll('figure.clip video'), function (v) {"
    " return [].map.call(v.textTracks, function (t) { return [t.mode, t.cues ? [].map.call(t.cues,"
    " function (c) { return [c.startTime, c.endTime, c.text]; }) : null]; }); }))"
)


@needs_chromium
def test_gallery_captions_from_file_url(gallery: tuple[Path, list[ClipRecord], dict[str, Path]]) -> None:
    """Opened straight from disk (no server), every player has its captions, showing."""
    from cdp_browser import browser

    _, records, paths = gallery
    with browser() as b:
        tab = b.new_page(viewport=(1280, 900))
        tab.goto(paths["index_html"].as_uri())
        tab.wait_for("document.querySelectorAll('figure.clip video').length > 0")
        tracks = json.loads(tab.evaluate(CAPTIONS_STATE))
    assert tracks == [[["showing", [[0, 2, "Hello <world> & co"]]]]] * sum(r.ok for r in records)

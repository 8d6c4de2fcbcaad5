"""The explore view of the sweep gallery: one control per varied field switches the player to that clip.

The sweep here is made of real (tiny) H.264 videos, one flat colour per clip, so a
screenshot tells which clip the player shows. The page is opened from ``file://`` in
headless Chromium with no network; the slider and the menu are moved with real key
presses, as a lecturer would with the keyboard.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from cdp_browser import CHROMIUM, browser
from PIL import Image
from synthetic_video import write_video

from explainer.gallery import ClipRecord, write_gallery

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")

W_H = [1.5, 0.5, 1.0]  # sweep order is not value order: the slider must still run 0.5, 1, 1.5
ACTIVATIONS = ["tanh", "relu"]
FAILED = (1.5, "relu")


def colour(w_h: float, act: str) -> tuple[int, int, int]:
    return (40 + 80 * sorted(W_H).index(w_h), 200 if act == "tanh" else 40, 120)


def name(w_h: float, act: str) -> str:
    return f"demo-w_h_{w_h:g}-activation_{act}"


@pytest.fixture
def sweep(tmp_path: Path) -> tuple[Path, list[ClipRecord]]:
    sweep_dir = tmp_path / "out" / "demo"
    records = []
    for act in ACTIVATIONS:
        for w_h in W_H:
            clip = name(w_h, act)
            params = {"rnn.activation": act, "rnn.w_h": w_h}
            if (w_h, act) == FAILED:
                records.append(ClipRecord(clip, params, "failed", error="RuntimeError: boom"))
                continue
            folder = sweep_dir / clip
            folder.mkdir(parents=True)
            files = {"video": write_video(folder / f"{clip}.mp4", [colour(w_h, act)] * 40, fps=10, size=(160, 90))}
            files["srt"] = folder / f"{clip}.srt"
            files["srt"].write_text(
                f"1\n00:00:00,000 --> 00:00:01,500\n{clip} begins.\n\n"
                f"2\n00:00:01,500 --> 00:00:04,000\n{act} at W_h {w_h:g}.\n",
                encoding="utf-8",
            )
            files["metadata"] = folder / f"{clip}.json"
            sections = [
                {"title": "Title", "start": 0.0, "end": 1.5, "caption": f"{clip} begins."},
                {"title": "t = 1", "start": 1.5, "end": 4.0, "caption": f"{act} at W_h {w_h:g}."},
            ]
            files["metadata"].write_text(json.dumps({"sections": sections}), encoding="utf-8")
            files["thumbnail"] = folder / f"{clip}.png"
            Image.new("RGB", (160, 90), colour(w_h, act)).save(files["thumbnail"])
            records.append(ClipRecord(clip, params, "rendered", "h", 4.0, 1.0, files))
    write_gallery(sweep_dir, "demo", ["rnn.activation", "rnn.w_h"], records)
    return sweep_dir, records


class ExploreData(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] | None = None
        self._in = False
        self.controls: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._in = tag == "script" and a.get("id") == "explore-data"
        if "data-field-index" in a:
            self.controls.append({"tag": tag, **a})

    def handle_data(self, data: str) -> None:
        if self._in:
            self.data = json.loads(data)
            self._in = False


def test_explore_table_follows_the_sweep(sweep: tuple[Path, list[ClipRecord]]) -> None:
    sweep_dir, records = sweep
    page = ExploreData()
    page.feed((sweep_dir / "index.html").read_text(encoding="utf-8"))
    assert page.data is not None
    assert page.data["fields"] == [
        {"path": "rnn.activation", "kind": "select", "labels": ["tanh", "relu"]},
        {"path": "rnn.w_h", "kind": "range", "labels": ["0.5", "1", "1.5"]},
    ]
    assert [c["tag"] for c in page.controls] == ["select", "input"]
    by_name = {c["name"]: c for c in page.data["clips"]}
    assert set(by_name) == {r.name for r in records}
    for w_h in W_H:
        for act in ACTIVATIONS:
            clip = by_name[name(w_h, act)]
            assert clip["at"] == [ACTIVATIONS.index(act), sorted(W_H).index(w_h)]
            assert clip["ok"] == ((w_h, act) != FAILED)
            if clip["ok"]:
                assert (sweep_dir / clip["video"]).is_file()
                # Captions as cues from the clip's .srt (a file:// page may not load a .vtt file).
                assert clip["cues"] == [[0.0, 1.5, f"{clip['name']} begins."], [1.5, 4.0, f"{act} at W_h {w_h:g}."]]
            else:
                assert clip["video"] is None and clip["cues"] == []


def test_no_explore_view_without_a_varied_field(tmp_path: Path) -> None:
    folder = tmp_path / "one"
    folder.mkdir()
    rec = ClipRecord("one", {"rnn.w_h": 1.0}, "rendered", files={"video": write_video(folder / "one.mp4", 3)})
    write_gallery(tmp_path, "single", ["rnn.w_h"], [rec])
    assert 'id="explore"' not in (tmp_path / "index.html").read_text(encoding="utf-8")


STATE = (
    "(function () { var v = document.getElementById('explore-video'),"
    " m = document.getElementById('explore-missing');"
    " return {clip: v.dataset.clip, src: v.currentSrc, t: v.currentTime, paused: v.paused, ready: v.readyState,"
    " missing: m.hidden ? null : m.textContent, act: document.getElementById('explore-0').value,"
    " wh: document.getElementById('explore-1').value,"
    " cues: [].concat.apply([], [].map.call(v.textTracks, function (t) {"
    "   return t.mode !== 'disabled' ? [].map.call(t.activeCues, function (c) { return c.text; }) : []; })),"
    " showing: [].filter.call(v.textTracks, function (t) { return t.mode === 'showing'; }).length}; })()"
)


def player_colour(shot: Path, page: Any) -> tuple[int, int, int]:
    box = page.evaluate(
        "(function () { var r = document.getElementById('explore-video').getBoundingClientRect();"
        " return [r.left + r.width / 2, r.top + r.height / 3]; })()"
    )
    img = np.asarray(Image.open(shot).convert("RGB"))
    x, y = int(box[0]), int(box[1])
    return tuple(int(v) for v in img[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(axis=0))  # type: ignore[return-value]


def close(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return max(abs(p - q) for p, q in zip(a, b, strict=True)) <= 12


@needs_chromium
def test_moving_a_control_switches_clip_and_keeps_time(sweep: tuple[Path, list[ClipRecord]], tmp_path: Path) -> None:
    sweep_dir, _ = sweep
    with browser() as b:
        page = b.new_page(viewport=(1280, 900))
        page.goto((sweep_dir / "index.html").as_uri())
        page.wait_for("document.getElementById('explore-video').readyState >= 2")
        state = page.evaluate(STATE)
        # The first clip of the sweep is shown first: tanh at W_h 1.5 (the slider at its third stop).
        assert state["clip"] == name(1.5, "tanh") and (state["act"], state["wh"]) == ("0", "2")
        page.evaluate("(function (v) { v.pause(); v.currentTime = 1.7; })(document.getElementById('explore-video'))")
        page.wait_for("Math.abs(document.getElementById('explore-video').currentTime - 1.7) < 0.01")

        # Slider two steps left at once, then one right (real key presses on the focused slider; the second
        # comes before the first clip has loaded): W_h 1, at the same moment.
        page.evaluate("document.getElementById('explore-1').focus()")
        page.press("ArrowLeft")
        page.press("ArrowLeft")
        page.press("ArrowRight")
        target = name(1.0, "tanh")
        page.wait_for(
            f"(function (v) {{ return v.dataset.clip === {json.dumps(target)} && v.readyState >= 2"
            " && v.currentTime > 0; })(document.getElementById('explore-video'))"
        )
        state = page.evaluate(STATE)
        assert state["src"] == (sweep_dir / target / f"{target}.mp4").as_uri()
        assert abs(state["t"] - 1.7) < 0.01 and state["paused"]
        assert state["missing"] is None
        # The captions are the new clip's, at the kept time.
        assert state["cues"] == ["tanh at W_h 1."] and state["showing"] == 0  # captions start off
        # Turned on (as the player's captions menu does), they stay on for the next clips.
        page.evaluate(
            "(function (v) { [].forEach.call(v.textTracks, function (t) {"
            " if (t.mode === 'hidden') { t.mode = 'showing'; } }); })(document.getElementById('explore-video'))"
        )
        shot = page.screenshot(tmp_path / "explore_w_h_1.png")
        assert close(player_colour(shot, page), colour(1.0, "tanh"))

        # While playing: the next clip carries on playing from the same moment.
        page.evaluate("document.getElementById('explore-video').play()")
        page.wait_for("document.getElementById('explore-video').currentTime > 1.9")
        page.evaluate("document.getElementById('explore-1').focus()")
        t_before = page.evaluate("document.getElementById('explore-video').currentTime")
        page.press("ArrowLeft")
        target = name(0.5, "tanh")
        page.wait_for(
            f"(function (v) {{ return v.dataset.clip === {json.dumps(target)} && !v.paused && v.readyState >= 2; }})"
            "(document.getElementById('explore-video'))"
        )
        state = page.evaluate(STATE)
        assert t_before - 0.05 <= state["t"] <= t_before + 1.0
        page.evaluate("document.getElementById('explore-video').pause()")

        # The menu (activation) with the slider moved back to 1.5: relu at 1.5 failed, so the nearest clip
        # with a video (relu at 1) is shown, the slider follows, and the page says why.
        page.evaluate(
            "(function (s) { s.value = '2'; s.dispatchEvent(new Event('input')); })"
            "(document.getElementById('explore-1'))"
        )
        page.wait_for(
            f"(function (v) {{ return v.dataset.clip === {json.dumps(name(1.5, 'tanh'))} && v.readyState >= 2"
            " && v.currentTime > 1.9; })(document.getElementById('explore-video'))"
        )
        t_before = page.evaluate("document.getElementById('explore-video').currentTime")
        page.evaluate("document.getElementById('explore-0').focus()")
        page.press("ArrowDown")
        target = name(1.0, "relu")
        page.wait_for(
            f"(function (v) {{ return v.dataset.clip === {json.dumps(target)} && v.readyState >= 2; }})"
            "(document.getElementById('explore-video'))"
        )
        state = page.evaluate(STATE)
        assert (state["act"], state["wh"]) == ("1", "1")
        assert state["missing"] and name(*FAILED) in state["missing"] and "failed" in state["missing"]
        assert abs(state["t"] - t_before) < 0.01
        assert state["cues"] == ["relu at W_h 1."] and state["showing"] == 1
        shot = page.screenshot(tmp_path / "explore_relu.png")
        assert close(player_colour(shot, page), colour(1.0, "relu"))

        assert page.requests
        for url in page.requests:  # data: URLs are the browser's own player icons, inline, not fetched
            assert url.startswith((sweep_dir.as_uri() + "/", "data:")), url[:120]
        assert not page.console_errors

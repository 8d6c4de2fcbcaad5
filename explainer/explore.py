"""The "explore" view of a sweep's gallery page: adjust the weights and watch, from real renders.

One player, and one control per varied field of the sweep: a slider for a field whose
values are all numbers (in increasing order), a menu otherwise (lists, names). Moving a
control switches the player to the clip rendered with those values and keeps the
playback time (and whether it was playing), so a lecturer can step ``W_h`` from 0.5 to
1.5 and see the same moment of the story change. In a sweep that is not a full grid,
the other controls move to the nearest clip that exists; a clip that failed says so.

The clip table is written into the page (browsers do not let a ``file://`` page read
``manifest.json``): the same names, values and files the manifest lists, relative to the
sweep folder. No server, no network, no library.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explainer.words.captions import read_srt

__all__ = ["ExploreView", "cues_of", "explore_view"]

_PLAYABLE = {"mp4", "webm", "mov"}


@dataclass(frozen=True)
class ExploreView:
    """The view's markup, style and script, for the page to place."""

    html: str
    css: str
    js: str
    data: dict[str, Any]


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cues_of(srt: Path | None) -> list[list[Any]]:
    """``[start, end, text]`` of each caption cue of a clip, read from its ``.srt``.

    Pages make their captions from these: a ``file://`` page may not load a ``<track>`` file
    in Chromium (each local file is its own origin), but it may add cues it already has.
    """
    if srt is None:
        return []
    try:
        text = Path(srt).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return []
    return [[c.start, c.end, c.text] for c in read_srt(text) if c.end > c.start and c.text.strip()]


def explore_view(
    fields: Sequence[str],
    records: Sequence[Any],
    rel: Callable[[Path | None], str | None],
    format_value: Callable[[Any], str],
) -> ExploreView | None:
    """Build the view, or None when there is nothing to explore (no playable clip, or no field with two values).

    Parameters
    ----------
    fields
        The sweep's varied field paths, in sweep order.
    records
        The sweep's clips (:class:`explainer.gallery.ClipRecord`).
    rel
        Path -> URL relative to the page.
    format_value
        How a value is written for people.
    """
    playable = [
        r
        for r in records
        if r.ok and r.files.get("video") is not None and Path(r.files["video"]).suffix.lstrip(".").lower() in _PLAYABLE
    ]
    if not playable:
        return None
    playable_names = {r.name for r in playable}
    controls = []
    for path in fields:
        seen: dict[str, Any] = {}
        for r in records:
            if path in r.params:
                seen.setdefault(_canonical(r.params[path]), r.params[path])
        values = list(seen.values())
        if len(values) < 2:
            continue
        numeric = all(_is_number(v) for v in values)
        if numeric:
            values.sort()
        controls.append({"path": path, "kind": "range" if numeric else "select", "raw": values})
    if not controls:
        return None
    clips = []
    for r in records:
        index = {}
        for c in controls:
            key = _canonical(r.params.get(c["path"]))
            index[c["path"]] = next((i for i, v in enumerate(c["raw"]) if _canonical(v) == key), None)
        if any(i is None for i in index.values()):
            continue
        is_playable = r.name in playable_names
        clips.append(
            {
                "name": r.name,
                "at": [index[c["path"]] for c in controls],
                "ok": is_playable,
                "status": r.status,
                "video": rel(r.files.get("video")) if is_playable else None,
                "poster": rel(r.files.get("thumbnail")) if is_playable else None,
                "cues": cues_of(r.files.get("srt")) if is_playable else [],
            }
        )
    data = {
        "fields": [
            {"path": c["path"], "kind": c["kind"], "labels": [format_value(v) for v in c["raw"]]} for c in controls
        ],
        "clips": clips,
    }
    first = next(c for c in clips if c["ok"])
    esc = html.escape
    parts = ['<section id="explore" class="explore" aria-label="Explore the sweep">', "<h2>Explore</h2>"]
    parts.append('<div class="explore-body"><div class="explore-player">')
    poster = f' poster="{esc(first["poster"])}"' if first["poster"] else ""
    parts.append(
        f'<video id="explore-video" controls preload="auto" src="{esc(first["video"])}"'
        f' data-clip="{esc(first["name"])}"{poster}>'
    )
    parts.append("</video></div>")  # its captions track is added by the script, as for every clip it switches to
    parts.append('<form class="explore-controls" onsubmit="return false">')
    for k, (c, f) in enumerate(zip(controls, data["fields"], strict=True)):
        at = first["at"][k]
        label = esc(c["path"])
        parts.append(f'<div class="explore-control" data-field="{label}">')
        if c["kind"] == "range":
            parts.append(f'<label for="explore-{k}">{label}</label>')
            parts.append(
                f'<input id="explore-{k}" type="range" min="0" max="{len(c["raw"]) - 1}" step="1" value="{at}"'
                f' data-field-index="{k}" list="explore-ticks-{k}">'
            )
            parts.append(f'<output for="explore-{k}" data-output-index="{k}">{esc(f["labels"][at])}</output>')
            ticks = "".join(f'<option value="{i}" label="{esc(t)}"></option>' for i, t in enumerate(f["labels"]))
            parts.append(f'<datalist id="explore-ticks-{k}">{ticks}</datalist>')
            scale = "".join(f"<span>{esc(t)}</span>" for t in f["labels"])
            parts.append(f'<div class="explore-scale" aria-hidden="true">{scale}</div>')
        else:
            parts.append(f'<label for="explore-{k}">{label}</label>')
            options = "".join(
                f'<option value="{i}"{" selected" if i == at else ""}>{esc(t)}</option>'
                for i, t in enumerate(f["labels"])
            )
            parts.append(f'<select id="explore-{k}" data-field-index="{k}">{options}</select>')
        parts.append("</div>")
    parts.append(f'<p class="explore-now">Showing <code id="explore-clip">{esc(first["name"])}</code></p>')
    parts.append('<p id="explore-missing" class="explore-missing" hidden></p>')
    parts.append("</form></div>")
    # "</" cannot end the script early: JSON escapes it here.
    payload = json.dumps(data, allow_nan=False).replace("</", "<\\/")
    parts.append(f'<script type="application/json" id="explore-data">{payload}</script>')
    parts.append("</section>")
    return ExploreView("\n".join(parts), _CSS, _JS, data)


_CSS = """
section.explore { background: #24242a; border-radius: 6px; padding: .8rem 1rem 1rem; margin-bottom: 1.5rem; }
section.explore h2 { margin: 0 0 .6rem; font-size: 1.2rem; }
.explore-body { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: flex-start; }
.explore-player { flex: 3 1 560px; min-width: 320px; }
.explore-player video { width: 100%; border-radius: 4px; background: #000; display: block; }
.explore-controls { flex: 1 1 260px; display: flex; flex-direction: column; gap: 1rem; }
.explore-control label { display: block; font-family: monospace; color: #aaa; margin-bottom: .2rem; }
.explore-control input[type=range] { width: 100%; accent-color: #E69F00; }
.explore-control output { font-size: 1.3rem; font-weight: 600; color: #E69F00; }
.explore-scale { display: flex; justify-content: space-between; font-size: .75rem; color: #888; }
.explore-control select { font-size: 1rem; padding: .2rem .4rem; background: #18181c; color: #eee;
  border: 1px solid #555; border-radius: 4px; }
.explore-now { color: #aaa; font-size: .9rem; margin: 0; }
.explore-missing { color: #f88; font-size: .9rem; margin: 0; }
"""

# Switch the player to the clip with the chosen values; keep the time and whether it played.
_JS = """
(function () {
  'use strict';
  var dataEl = document.getElementById('explore-data');
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var video = document.getElementById('explore-video');
  var controls = [].slice.call(document.querySelectorAll('#explore [data-field-index]'));
  var link = document.getElementById('explore-clip');
  var missing = document.getElementById('explore-missing');

  var keep = null;  // {time, playing} to restore once the new clip has loaded
  video.addEventListener('loadedmetadata', function () {
    if (!keep) { return; }
    var k = keep;
    keep = null;
    video.currentTime = Math.min(k.time, video.duration || k.time);
    if (k.playing) { var p = video.play(); if (p && p.catch) { p.catch(function () {}); } }
  });
  function setControls(at) {
    controls.forEach(function (c, k) {
      c.value = String(at[k]);
      var out = document.querySelector('#explore [data-output-index="' + k + '"]');
      if (out) { out.textContent = data.fields[k].labels[at[k]]; }
    });
  }
  // The clip with the value just chosen that is nearest the others (a slider counts steps, a menu
  // any difference as far); a clip with a video beats one without. Also the exact one, if it exists.
  function choose(changed) {
    var want = controls.map(function (c) { return parseInt(c.value, 10); });
    var best = -1, bestCost = Infinity, exact = -1;
    data.clips.forEach(function (clip, i) {
      if (clip.at[changed] !== want[changed]) { return; }
      var cost = clip.ok ? 0 : 1e6;
      clip.at.forEach(function (v, k) {
        cost += data.fields[k].kind === 'range' ? Math.abs(v - want[k]) : (v === want[k] ? 0 : 1000);
      });
      if (cost < bestCost) { best = i; bestCost = cost; }
      if (clip.at.every(function (v, k) { return v === want[k]; })) { exact = i; }
    });
    return {best: best, exact: exact};
  }
  function show(clip, unavailable) {
    setControls(clip.at);
    if (unavailable) {
      missing.textContent = 'No video for ' + unavailable.name + ' (' + unavailable.status.replace('_', ' ') +
        '); showing ' + clip.name + '.';
      missing.hidden = false;
    } else {
      missing.hidden = true;
    }
    if (video.dataset.clip === clip.name) { return; }
    // While an earlier switch is still loading, its time is the one to keep (this video is at 0 yet).
    keep = keep || {time: video.currentTime, playing: !video.paused && !video.ended};
    if (clip.poster) { video.poster = clip.poster; } else { video.removeAttribute('poster'); }
    video.src = clip.video;
    video.dataset.clip = clip.name;
    captions(clip);
    link.textContent = clip.name;
  }
  // One track per clip shown (a track added by script cannot be removed; a disabled one shows nothing).
  // Captions start off, so the charts stay clear; once turned on (the player's CC menu) they stay on.
  var track = null;
  function captions(clip) {
    var mode = track && track.mode === 'showing' ? 'showing' : 'hidden';
    if (track) { track.mode = 'disabled'; }
    track = video.addTextTrack('captions', 'Captions', 'en');
    clip.cues.forEach(function (c) { track.addCue(new VTTCue(c[0], c[1], c[2])); });
    track.mode = mode;
  }
  function byName(name) { return data.clips.filter(function (clip) { return clip.name === name; })[0]; }
  captions(byName(video.dataset.clip));
  controls.forEach(function (c) {
    function moved() {
      var pick = choose(parseInt(c.dataset.fieldIndex, 10));
      var exact = pick.exact >= 0 ? data.clips[pick.exact] : null;
      var unavailable = exact && !exact.ok ? exact : null;
      if (pick.best < 0 || !data.clips[pick.best].ok) {  // nothing playable there: stay on this clip
        show(byName(video.dataset.clip), unavailable || {name: 'this choice', status: 'not_run'});
        return;
      }
      show(data.clips[pick.best], unavailable);
    }
    c.addEventListener('input', moved);  // sliders and menus both fire it (and 'change' after, ignored)
  });
})();
"""

"""The offline reveal.js deck: one slide per section video, for a lecturer with a clicker.

The page loads only files beside it: reveal.js and its notes plugin copied from the
vendored package (:mod:`explainer.slides.vendor`), and the slide videos. Keys are
reveal.js's own: Right/Down/Space/PageDown (what a clicker sends) go forward,
Left/Up/PageUp go back, S opens the speaker view with the notes, F is full screen.

Going forward plays the new slide's video from its first frame; it stops on its last
frame and holds there while the lecturer talks. Going back shows the previous slide as
it ended (its last frame, paused), which is where the lecture was. The slides carry no
audio, so browsers let them start without a click.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["DeckSlide", "deck_html"]


@dataclass(frozen=True)
class DeckSlide:
    """One slide of the deck: its video (a URL relative to the page), title and notes."""

    video: str
    title: str
    notes: str


_CSS = """
html, body, .reveal-viewport { background: %(bg)s; }
.reveal { color: %(fg)s; }
.reveal .slides { text-align: left; }
.reveal .slides > section { padding: 0; }
.reveal .slides > section > video {
  display: block; margin: 0; width: %(w)dpx; height: %(h)dpx;
  max-width: none; max-height: none; object-fit: contain; background: %(bg)s;
}
.reveal .progress { color: %(accent)s; }
.reveal .controls { color: %(fg)s; opacity: .35; transition: opacity .2s; }
.reveal .controls:hover { opacity: 1; }
"""

# Forward: play from the first frame. Back: the slide as it ended. Nothing else is ours.
_JS = """
(function () {
  'use strict';
  var shown = -1;
  function whenLoaded(v, then) {
    if (v.readyState >= 1) { then(); } else { v.addEventListener('loadedmetadata', then, {once: true}); }
  }
  function playFromStart(v) {
    whenLoaded(v, function () {
      v.currentTime = 0;
      var p = v.play();
      if (p && p.catch) { p.catch(function () {}); }
    });
  }
  function holdLastFrame(v) {
    v.pause();
    whenLoaded(v, function () { v.pause(); v.currentTime = v.duration; });
  }
  function show(slide, index) {
    var v = slide ? slide.querySelector('video') : null;
    if (v) { if (index >= shown) { playFromStart(v); } else { holdLastFrame(v); } }
    shown = index;
  }
  Reveal.on('ready', function (e) { show(e.currentSlide, e.indexh); });
  Reveal.on('slidechanged', function (e) { show(e.currentSlide, e.indexh); });
  Reveal.initialize(%(options)s);
})();
"""


def deck_html(
    title: str,
    slides: Sequence[DeckSlide],
    reveal_base: str,
    resolution: tuple[int, int],
    background: str = "#000000",
    foreground: str = "#ffffff",
    accent: str = "#56B4E9",
) -> str:
    """The deck page.

    Parameters
    ----------
    title
        The page title.
    slides
        In order.
    reveal_base
        URL of the copied reveal.js package root relative to the page (holding ``dist/``).
    resolution
        Video size in pixels: the slide's size, which reveal.js scales to the screen.
    background, foreground, accent
        Colours around the video, of the controls and of the progress bar.
    """
    esc = html.escape
    width, height = int(resolution[0]), int(resolution[1])
    options = {
        "width": width,
        "height": height,
        "margin": 0,
        "minScale": 0.05,
        "maxScale": 20,
        "center": False,
        "controls": True,
        "controlsTutorial": False,
        "progress": True,
        "slideNumber": "c/t",
        "showSlideNumber": "speaker",  # on the lecturer's screen only, never over the video
        "hash": True,
        "transition": "none",
        "backgroundTransition": "none",
        "autoPlayMedia": False,  # the script above decides; reveal.js would restart a slide shown again
        "viewDistance": 3,
        "preloadIframes": False,
        "pdfSeparateFragments": False,
    }
    base = reveal_base.rstrip("/")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title>",
        f'<link rel="stylesheet" href="{esc(base)}/dist/reveal.css">',
        "<style>" + _CSS % {"bg": background, "fg": foreground, "accent": accent, "w": width, "h": height} + "</style>",
        "</head><body>",
        '<div class="reveal"><div class="slides">',
    ]
    for i, slide in enumerate(slides):
        parts.append(f'<section data-slide="{i + 1}" aria-label="{esc(slide.title)}">')
        # data-src: reveal.js loads a video only when its slide is near (viewDistance) and unloads it after.
        parts.append(f'<video data-src="{esc(slide.video)}" muted playsinline preload="auto"></video>')
        if slide.notes:
            paragraphs = "".join(f"<p>{esc(p)}</p>" for p in slide.notes.split("\n\n") if p.strip())
            parts.append(f'<aside class="notes">{paragraphs}</aside>')
        parts.append("</section>")
    parts += [
        "</div></div>",
        f'<script src="{esc(base)}/dist/reveal.js"></script>',
        f'<script src="{esc(base)}/dist/plugin/notes.js"></script>',
        "<script>" + _JS % {"options": _options_js(options)} + "</script>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _options_js(options: dict[str, object]) -> str:
    """reveal.js options as a JS object literal, with the notes plugin (a global the plugin script defines)."""
    body = json.dumps(options, indent=2)
    return body[:-1].rstrip() + ',\n  "plugins": [RevealNotes]\n}'

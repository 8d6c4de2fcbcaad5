"""The words of a clip: the narration script, the captions and the lines on screen, from the engine's facts.

One package turns facts (:mod:`rnn_engine.facts`) into words, so that what the video
says is as trustworthy as its numbers:

===============  ==================================================================
``forms``        numbers, symbols, lists and step ranges written to be spoken as written
``phrases``      each fact kind as a spoken sentence and a short on-screen line
``common``       words every scene uses (the sequence, the rule, a step's activation, closings)
``unrolled``...  one module per scene: its passages, section by section
``captions``     cues of two lines of 42 characters at most 20 per second; SRT and WebVTT
``speech``       the text a voice reads (symbols and signs said as words)
===============  ==================================================================

:func:`build_script` makes a scene's :class:`~scenes.script.Script` and times it by
reading speed; the scene registry names each scene's script builder.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence

from explainer.config import Config
from explainer.words.captions import time_passage
from scenes.inputs import Run
from scenes.script import Script

__all__ = ["build_script", "script_builder", "script_markdown", "take_name"]


def script_builder(path: str) -> Callable[[Config, Sequence[Run]], Script]:
    """The builder named ``"module:function"`` (the scene registry's ``words``)."""
    module_name, name = path.split(":")
    fn: Callable[[Config, Sequence[Run]], Script] = getattr(importlib.import_module(module_name), name)
    return fn


def build_script(cfg: Config, runs: Sequence[Run]) -> Script:
    """The script of ``cfg``'s scene, timed at ``style.reading_speed`` characters a second."""
    from explainer.scene_kinds import SCENE_KINDS

    untimed = script_builder(SCENE_KINDS[cfg.scene].words_for(cfg.scene_cell))(cfg, runs)
    if cfg.style.pacing == "animation":
        return untimed  # no clause needs any time: sections last as long as their animation
    speed = cfg.style.reading_speed
    passages = tuple(time_passage(p, speed) for p in untimed.passages)
    return Script(passages, untimed.screen, untimed.callouts)


def take_name(index: int, name: str) -> str:
    """The file stem a lecturer's recorded take of passage ``index`` (0-based) is saved as: ``03_step_01``."""
    return f"{index + 1:02d}_{name}"


def script_markdown(title: str, script: Script, times: Sequence[tuple[float, float]] | None = None) -> str:
    """The narration script as a page to read aloud or record from: every passage, in order.

    Each passage gives its title, when it plays (``times``: its start and end in the
    rendered video, if known) and the file name its recorded take should have.
    """
    lines = [f"# {title}", "", "Narration script: read each passage aloud, or record it as the file named.", ""]
    for i, p in enumerate(script.passages):
        when = ""
        if times is not None:
            start, end = times[i]
            when = f" ({_clock(start)}-{_clock(end)})"
        lines += [f"## {i + 1}. {p.title}{when}", "", f"Take: `{take_name(i, p.name)}.wav`", "", p.text, ""]
    return "\n".join(lines).rstrip() + "\n"


def _clock(t: float) -> str:
    m, s = divmod(max(0.0, t), 60)
    return f"{int(m)}:{s:04.1f}"

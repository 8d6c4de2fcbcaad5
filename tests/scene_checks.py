"""Layout and content checks for scenes, plus test inputs that need no config loader.

- :func:`check_layout` lists what is wrong with what is on screen right now:
  a label (Text, Typst/MathTypst, Tex, DecimalNumber) outside the camera frame,
  two labels overlapping, a label too small to read at 1080p, or any other
  visible mobject leaving the frame.
- :func:`collect_numbers` reads back every number on screen (components record
  them as ``shown_numbers``, see :mod:`scenes.components.text`).
- :func:`make_spec` builds a :class:`~scenes.inputs.SceneSpec` from a handful of
  keywords through the real loader and runs builder (:func:`config_dict` gives the
  plain config data).

Test-only (kept out of ``scenes/``, so editing it does not change the code version
that every cached clip's hash covers).

These run on a live scene (e.g. in a section listener, see
:class:`scenes.base.ExplainerScene`) and need no rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from manim import DecimalNumber, Mobject, MovingCamera, SingleStringMathTex, Text, Typst, tempconfig
from manim.mobject.text.text_mobject import MarkupText
from manim.renderer.cairo_renderer import CairoRenderer

from explainer.config import from_dict
from explainer.runs import build_spec
from rnn_engine.formatting import parse_number
from scenes.inputs import SceneSpec

__all__ = [
    "LABEL_TYPES",
    "MIN_LABEL_PX",
    "Label",
    "ShownNumber",
    "check_layout",
    "LayoutRenderer",
    "collect_numbers",
    "config_dict",
    "dry_run_scene",
    "frame_box",
    "iter_labels",
    "make_spec",
]

LABEL_TYPES: tuple[type, ...] = (Text, MarkupText, Typst, SingleStringMathTex, DecimalNumber)
#: A label with a digit or capital letter must be at least this tall at 1080p.
MIN_LABEL_PX = 19.0
_REFERENCE_PIXEL_HEIGHT = 1080
_TALL_GLYPH = re.compile(r"[0-9A-Z]")


@dataclass(frozen=True)
class Label:
    mobject: Mobject
    group: int | None  # id() of the enclosing LabelGroup, if any
    text: str


@dataclass(frozen=True)
class ShownNumber:
    key: tuple[Any, ...]
    text: str
    value: float
    mobject: Mobject


def frame_box(scene: Any) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` of what the camera sees (follows a MovingCamera's frame)."""
    frame = getattr(scene.camera, "frame", None)
    if frame is not None:
        cx, cy, _ = frame.get_center()
        w, h = frame.width, frame.height
    else:
        cx = cy = 0.0
        w, h = scene.camera.frame_width, scene.camera.frame_height
    return cx - w / 2, cx + w / 2, cy - h / 2, cy + h / 2


def _visible(mob: Mobject) -> bool:
    for m in mob.family_members_with_points():
        fill = np.asarray(m.get_fill_opacities()) if hasattr(m, "get_fill_opacities") else np.ones(1)
        stroke = np.asarray(m.get_stroke_opacities()) if hasattr(m, "get_stroke_opacities") else np.zeros(1)
        width = getattr(m, "stroke_width", 0) or 0
        if fill.size and fill.max() > 0.01:
            return True
        if width > 0 and stroke.size and stroke.max() > 0.01:
            return True
    return False


def _label_text(mob: Mobject) -> str:
    for attr in ("shown_text", "text", "typst_code", "tex_string"):
        value = getattr(mob, attr, None)
        if isinstance(value, str):
            return value
    if isinstance(mob, DecimalNumber):
        return str(mob.get_value())
    return type(mob).__name__


def iter_labels(scene: Any) -> Iterator[Label]:
    """Every visible label on screen, with the label group it belongs to."""
    seen: set[int] = set()

    def walk(mob: Mobject, group: int | None) -> Iterator[Label]:
        if id(mob) in seen:
            return
        seen.add(id(mob))
        if isinstance(mob, LABEL_TYPES):
            if mob.has_points() or mob.submobjects:
                if _visible(mob) and mob.width > 0:
                    yield Label(mob, group, _label_text(mob))
            return
        if getattr(mob, "is_label_group", False) and group is None:
            group = id(mob)
        for sub in mob.submobjects:
            yield from walk(sub, group)

    for top in scene.mobjects:
        yield from walk(top, None)


def _box(mob: Mobject) -> tuple[float, float, float, float]:
    members = mob.family_members_with_points()
    if not members:
        c = mob.get_center()
        return float(c[0]), float(c[0]), float(c[1]), float(c[1])
    pts = np.concatenate([m.points for m in members])
    return float(pts[:, 0].min()), float(pts[:, 0].max()), float(pts[:, 1].min()), float(pts[:, 1].max())


def check_layout(scene: Any, *, tolerance: float = 0.02, min_px: float = MIN_LABEL_PX) -> list[str]:
    """Problems with what is on screen now; an empty list means the layout is clean.

    Parameters
    ----------
    scene
        A live scene (during or after ``construct``).
    tolerance
        Scene units by which boxes may overlap or cross the frame edge.
    min_px
        Minimum height at 1080p of a label containing a digit or capital letter.
    """
    problems: list[str] = []
    x0, x1, y0, y1 = frame_box(scene)
    px_per_unit = _REFERENCE_PIXEL_HEIGHT / (y1 - y0)

    def outside(box: tuple[float, float, float, float]) -> bool:
        bx0, bx1, by0, by1 = box
        return bx0 < x0 - tolerance or bx1 > x1 + tolerance or by0 < y0 - tolerance or by1 > y1 + tolerance

    labels = list(iter_labels(scene))
    boxes = [_box(lab.mobject) for lab in labels]
    for lab, box in zip(labels, boxes, strict=True):
        if outside(box):
            problems.append(f"label {lab.text!r} outside the frame: box {_fmt(box)} vs frame {_fmt((x0, x1, y0, y1))}")
        height_px = (box[3] - box[2]) * px_per_unit
        if _TALL_GLYPH.search(lab.text) and height_px < min_px:
            problems.append(f"label {lab.text!r} too small: {height_px:.1f} px tall at 1080p (min {min_px})")
    for i in range(len(labels)):
        for j in range(i + 1, len(labels)):
            a, b = labels[i], labels[j]
            if a.group is not None and a.group == b.group:
                continue
            ba, bb = boxes[i], boxes[j]
            dx = min(ba[1], bb[1]) - max(ba[0], bb[0])
            dy = min(ba[3], bb[3]) - max(ba[2], bb[2])
            if dx > tolerance and dy > tolerance:
                problems.append(f"labels {a.text!r} and {b.text!r} overlap by {dx:.2f} x {dy:.2f}")
    for top in scene.mobjects:
        if isinstance(top, LABEL_TYPES) or not _visible(top):
            continue
        box = _box(top)
        if outside(box):
            frame = _fmt((x0, x1, y0, y1))
            problems.append(f"{type(top).__name__} outside the frame: box {_fmt(box)} vs frame {frame}")
    return problems


def _fmt(box: Sequence[float]) -> str:
    return "(" + ", ".join(f"{v:.2f}" for v in box) + ")"


def collect_numbers(scene: Any) -> list[ShownNumber]:
    """Every number visible on screen that a component recorded, parsed back to float."""
    out: list[ShownNumber] = []
    seen: set[int] = set()

    def walk(mob: Mobject) -> None:
        if id(mob) in seen:
            return
        seen.add(id(mob))
        shown = getattr(mob, "shown_numbers", None)
        if shown and _visible(mob):
            for key, text in shown:
                out.append(ShownNumber(tuple(key), text, parse_number(text), mob))
        for sub in mob.submobjects:
            walk(sub)

    for top in scene.mobjects:
        walk(top)
    return out


class LayoutRenderer(CairoRenderer):
    """A renderer for content tests: every animation jumps to its end, no frame is drawn.

    Video time still advances (``renderer.time``) and sections, mobjects and
    captions are exactly as in a real render; only pixels are skipped, which
    is most of the cost of a dry run of a long scene.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("camera_class", MovingCamera)
        super().__init__(skip_animations=True, **kwargs)

    def update_frame(self, *args: Any, **kwargs: Any) -> None:
        return None

    def save_static_frame_data(self, *args: Any, **kwargs: Any) -> None:
        self.static_image = None
        return None


def dry_run_scene(
    scene_cls: type,
    spec: SceneSpec,
    *,
    on_section: Callable[[Any, Any], None] | None = None,
    media_dir: str | Path | None = None,
) -> Any:
    """Build and play ``scene_cls(spec)`` without drawing; return the finished scene.

    ``on_section(scene, record)`` runs whenever a section closes (see
    :attr:`scenes.base.ExplainerScene.section_listeners`).
    """
    options: dict[str, Any] = {
        "dry_run": True,
        "disable_caching": True,
        "verbosity": "WARNING",
        "progress_bar": "none",
    }
    if media_dir is not None:
        options["media_dir"] = str(media_dir)
    with tempconfig(options):
        scene = scene_cls(spec, renderer=LayoutRenderer())
        if on_section is not None:
            scene.section_listeners.append(on_section)
        scene.render()
    return scene


def config_dict(
    *,
    kind: str = "sine",
    length: int | None = None,
    values: Sequence[Any] | None = None,
    normalize: str = "none",
    activation: str = "tanh",
    w_x: Any = 0.5,
    w_h: Any = 0.8,
    b: Any = 0.0,
    h0: Any = 0.0,
    theme: str = "dark",
    title: str = "How an RNN remembers",
    scene: str = "unrolled",
    step_seconds: float = 2.0,
    fast_after: int = 4,
    fast_step_seconds: float = 0.6,
    precision: int = 2,
    compare: dict[str, Any] | None = None,
    memory: dict[str, Any] | None = None,
    **sequence_params: float,
) -> dict[str, Any]:
    """A config as plain data from a handful of keywords (the length defaults to 8, or to ``len(values)``)."""
    sequence: dict[str, Any] = {"kind": kind, "normalize": normalize, **sequence_params}
    if values is not None:
        sequence["values"] = list(values)
    if length is not None or values is None:
        sequence["length"] = 8 if length is None else length
    data: dict[str, Any] = {
        "title": title,
        "scene": scene,
        "sequence": sequence,
        "rnn": {"activation": activation, "w_x": w_x, "w_h": w_h, "b": b, "h0": h0},
        "style": {
            "theme": theme,
            "step_seconds": step_seconds,
            "fast_after": fast_after,
            "fast_step_seconds": fast_step_seconds,
            "precision": precision,
        },
    }
    if compare is not None:
        data["compare"] = compare
    if memory is not None:
        data["memory"] = memory
    return data


def make_spec(**kwargs: Any) -> SceneSpec:
    """A :class:`~scenes.inputs.SceneSpec` made the way a render makes it: config -> loader -> runs."""
    return build_spec(from_dict(config_dict(**kwargs)))

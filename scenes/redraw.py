"""Which mobjects the cairo renderer must redraw each frame of a ``play()``.

Manim 0.22 paints the mobjects that do not move into a static image once per
``play()`` and redraws the rest every frame. Its rule for "the rest" is coarse: the
first top-level mobject that contains anything animated, and everything after it in
draw order. Our components are big groups (chain, inset, chart) of which one small
piece moves per step, so that rule redrew the whole screen (~370-470 paths per frame in
the steps of ``configs/default.yaml``); this module cuts the whole video's paths in half.

:class:`RedrawPlan` keeps the exact picture with a finer rule. Let ``L`` be the draw
order (family members with points, as the camera draws them), ``A`` the pieces the
animations (or updaters) change. Drawing ``S`` (static image) and then ``M`` (moving),
each in ``L`` order, gives the same pixels as drawing ``L`` when no piece of ``M``
that comes before a piece of ``S`` in ``L`` ever overlaps it, because painting two
disjoint pieces commutes. So ``M`` is ``A`` plus every piece that an earlier piece of
``M`` overlaps (closed transitively); overlaps are tested on bounding boxes grown by a
margin that covers stroke widths and antialiasing. A piece of ``A`` may move during
the animation, so its box is tested again before every frame; if it reaches a static
piece drawn after it, that piece joins ``M`` and the static image is repainted, so the
result is always the full redraw's picture.

Pieces that draw each other (a mobject with points and its submobjects, e.g. an arrow
and its tip) are kept together, since the camera draws a mobject's whole family.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from manim import Mobject
from manim.animation.animation import Animation
from manim.animation.composition import AnimationGroup
from manim.utils.family import extract_mobject_family_members

__all__ = ["MARGIN", "RedrawPlan", "changed_mobjects", "draw_order", "updating_mobjects"]

MARGIN = 0.12
"""Scene units added around every box: half the widest stroke we draw (7 -> 0.035),
Manim's background stroke, and a few pixels of antialiasing at 480p."""


def changed_mobjects(animations: Iterable[Animation]) -> list[Any]:
    """Mobjects whose points or colours the animations may change.

    Composition wrappers (``AnimationGroup``, ``LaggedStart``) only drive their
    members, so their ``group`` (often a whole component, see
    :mod:`scenes.components`) does not count; a bare :class:`Animation` changes nothing.
    """
    out: list[Any] = []
    for anim in animations:
        if isinstance(anim, AnimationGroup):
            out += changed_mobjects(anim.animations)
        elif type(anim) is Animation:
            continue  # a placeholder that only holds the time
        else:
            out += anim.mobject.get_family()
    return out


class RedrawPlan:
    """Static and moving pieces for one ``play()`` (see the module docstring).

    Parameters
    ----------
    order
        Draw order: the scene's family members with points, as the camera sorts them.
    changed
        Mobjects that animations or updaters may change (any level of a family).
    """

    def __init__(self, order: Sequence[Mobject], changed: Iterable[Mobject]) -> None:
        self.order = list(order)
        index = {id(m): i for i, m in enumerate(self.order)}
        # Units: a piece with points draws its whole family, so the family moves together.
        unit = list(range(len(self.order)))

        def find(i: int) -> int:
            while unit[i] != i:
                unit[i] = unit[unit[i]]
                i = unit[i]
            return i

        for i, m in enumerate(self.order):
            if m.submobjects:
                for sub in m.family_members_with_points():
                    j = index.get(id(sub))
                    if j is not None:
                        unit[find(j)] = find(i)
        roots = [find(i) for i in range(len(self.order))]
        members: dict[int, list[int]] = {}
        for i, r in enumerate(roots):
            members.setdefault(r, []).append(i)
        self._units = [members[r] for r in sorted(members, key=lambda r: members[r][0])]
        self._unit_of = {i: u for u, idx in enumerate(self._units) for i in idx}

        changed_ids = {id(m) for m in changed}
        self.animated = {self._unit_of[i] for i, m in enumerate(self.order) if id(m) in changed_ids}
        self._first = np.array([idx[0] for idx in self._units], dtype=int)  # draw position of each unit
        self._boxes = np.array([self._box(u) for u in range(len(self._units))]).reshape(-1, 4)
        self._moving = np.zeros(len(self._units), dtype=bool)
        for u in sorted(self.animated, key=lambda u: self._first[u]):
            self._promote(u)

    @property
    def moving(self) -> set[int]:
        """Units redrawn every frame."""
        return {int(u) for u in np.flatnonzero(self._moving)}

    # -- geometry ---------------------------------------------------------------
    def _box(self, u: int) -> tuple[float, float, float, float]:
        pts = [self.order[i].points for i in self._units[u] if len(self.order[i].points)]
        if not pts:
            return (np.inf, np.inf, -np.inf, -np.inf)  # overlaps nothing
        p = pts[0] if len(pts) == 1 else np.concatenate(pts)
        lo, hi = p[:, :2].min(axis=0), p[:, :2].max(axis=0)
        return (lo[0] - MARGIN, lo[1] - MARGIN, hi[0] + MARGIN, hi[1] + MARGIN)

    def _overlapping_later(self, u: int, box: Sequence[float]) -> np.ndarray:
        """Static units drawn after ``u`` whose boxes overlap ``box``."""
        b = self._boxes
        hit = (b[:, 0] <= box[2]) & (box[0] <= b[:, 2]) & (b[:, 1] <= box[3]) & (box[1] <= b[:, 3])
        return np.flatnonzero(hit & (self._first > self._first[u]) & ~self._moving)

    def _promote(self, u: int) -> None:
        stack = [u]
        while stack:
            v = stack.pop()
            if self._moving[v]:
                continue
            self._moving[v] = True
            stack += [int(w) for w in self._overlapping_later(v, self._boxes[v])]

    # -- per play ---------------------------------------------------------------
    def split(self) -> tuple[list[Mobject], list[Mobject]]:
        """``(moving, static)`` pieces, each in draw order."""
        moving = sorted(i for u in np.flatnonzero(self._moving) for i in self._units[u])
        static = sorted(i for u in np.flatnonzero(~self._moving) for i in self._units[u])
        return [self.order[i] for i in moving], [self.order[i] for i in static]

    def recheck(self) -> bool:
        """Test the animated pieces where they are now; ``True`` if the split changed."""
        static = np.flatnonzero(~self._moving)
        if not static.size:
            return False
        last_static = self._first[static].max()
        grew = False
        for u in self.animated:
            if self._first[u] > last_static:
                continue  # nothing static is drawn above it
            hits = self._overlapping_later(u, self._box(u))
            for v in hits:
                self._promote(int(v))
            grew = grew or bool(hits.size)
        return grew


def draw_order(mobjects: Sequence[Mobject], use_z_index: bool) -> list[Mobject]:
    """The scene's pieces with points, in the order the camera draws them."""
    return extract_mobject_family_members(mobjects, use_z_index=use_z_index, only_those_with_points=True)


def updating_mobjects(mobjects: Sequence[Mobject]) -> list[Any]:
    """Every family member with an updater, and its whole family."""
    out: list[Any] = []
    for m in extract_mobject_family_members(mobjects):
        if m.updaters:
            out += m.get_family()
    return out

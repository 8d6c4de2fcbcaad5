"""The framed panel behind every inset and chart, so all panels look alike."""

from __future__ import annotations

from manim import RoundedRectangle

from scenes.theme import Theme

__all__ = ["panel_frame"]


def panel_frame(
    theme: Theme, width: float, height: float, centre: tuple[float, float] | None = None
) -> RoundedRectangle:
    """A rounded panel in the theme's faint stroke and panel fill, centred at ``centre`` if given."""
    frame = RoundedRectangle(corner_radius=0.15, width=width, height=height)
    frame.set_stroke(theme.faint, width=1.5).set_fill(theme.panel, opacity=0.6)
    if centre is not None:
        frame.move_to((centre[0], centre[1], 0.0))
    return frame

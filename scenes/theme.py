"""Colour themes shared by every scene.

Colours follow the Okabe-Ito palette (distinguishable with the common forms of
colour blindness) and mean the same thing in every scene:

- ``input``      x_t and W_x           (sky blue / blue)
- ``memory``     h_(t-1), h_t and W_h  (orange)
- ``bias``       b                     (reddish purple)
- ``activation`` f, z_t, the curve     (bluish green)

``series`` colours distinguish hidden units, panels and activations in charts.
A theme is resolved from the config when a scene is constructed, never read from
a module global (so changing the theme of one clip never leaks into another).
"""

from __future__ import annotations

from dataclasses import dataclass

from rnn_engine.activations import get_activation

__all__ = ["THEMES", "Theme", "get_theme"]


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str
    muted: str
    faint: str
    panel: str
    input: str
    memory: str
    bias: str
    activation: str
    warning: str
    positive: str
    negative: str
    series: tuple[str, ...]
    font: str = "DejaVu Sans"
    mono_font: str = "DejaVu Sans Mono"

    def activation_colour(self, name: str) -> str:
        """A fixed colour per activation (its registry ``colour_slot``), wherever activations are compared."""
        return self.series[get_activation(name).colour_slot % len(self.series)]


THEMES: dict[str, Theme] = {
    "dark": Theme(
        name="dark",
        background="#14161B",
        text="#ECEFF4",
        muted="#9AA3B2",
        faint="#4A5160",
        panel="#1F232B",
        input="#56B4E9",
        memory="#E69F00",
        bias="#CC79A7",
        activation="#2BC48A",
        warning="#F0E442",
        positive="#56B4E9",
        negative="#E6714A",
        series=("#56B4E9", "#E69F00", "#2BC48A", "#CC79A7"),
    ),
    "light": Theme(
        name="light",
        background="#FBFAF7",
        text="#1C1E23",
        muted="#5B6170",
        faint="#C9CCD3",
        panel="#EFEDE8",
        input="#0072B2",
        memory="#C77700",
        bias="#A8467E",
        activation="#007A57",
        warning="#B35900",
        positive="#0072B2",
        negative="#C0392B",
        series=("#0072B2", "#C77700", "#007A57", "#A8467E"),
    ),
}


def get_theme(name: str) -> Theme:
    return THEMES[name]

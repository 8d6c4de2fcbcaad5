"""Lecture mode: a clip's sections as slides (manim-slides presentation, offline reveal.js deck, PowerPoint).

The command ``render.py slides CONFIG.yaml`` calls :func:`build_slides`; see
:mod:`explainer.slides.build` for the files it writes. Submodules:

- :mod:`~explainer.slides.plan`: which frames and notes make each slide;
- :mod:`~explainer.slides.cut`: frame-exact slide videos and reversed copies (PyAV);
- :mod:`~explainer.slides.presentation`: manim-slides' presentation file and the PPTX;
- :mod:`~explainer.slides.deck`: the reveal.js page;
- :mod:`~explainer.slides.vendor`: the vendored reveal.js (``python -m explainer.slides fetch-reveal`` fetches it).

Importing this package imports neither Manim nor PyAV.
"""

from __future__ import annotations

from explainer.slides.build import SlideFiles, SlidesResult, build_slides, slides_layout
from explainer.slides.plan import ClipSection, SlidePlan, plan_slides
from explainer.slides.vendor import MissingAssetsError

__all__ = [
    "ClipSection",
    "MissingAssetsError",
    "SlideFiles",
    "SlidePlan",
    "SlidesResult",
    "build_slides",
    "plan_slides",
    "slides_layout",
]

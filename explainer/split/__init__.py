"""One clip across several workers (issue 14).

:mod:`scenes.share` decides which plays each worker draws;
:mod:`explainer.split.render` runs the workers (processes here, or Dask tasks) and joins
their partial movies into the clip's silent video without re-encoding.
"""

from __future__ import annotations

from scenes.share import Share

__all__ = ["Share"]

"""Shared pytest setup.

- ``--set_test`` / ``--show_diff``: the options Manim's ``frames_comparison``
  reads (``--set_test`` writes the control frames under ``tests/control_data``).
- Tests that share an expensive module-scoped fixture value (a whole scene played
  once, e.g. the 64-step unrolled scene) are kept on one xdist worker
  (``--dist loadgroup``, see ``dev.sh``), so the value is built once, not once per worker.
- An autouse fixture points Manim's ``media_dir`` at a temporary folder for every
  test that runs after Manim was imported, so tests never write into the work
  tree and never share Manim's Tex/Typst cache with a real render. Tests that do
  not use Manim do not import it (the fixture checks ``sys.modules``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--set_test",
        action="store_true",
        default=False,
        help="write the control frames of frames_comparison tests instead of comparing",
    )
    parser.addoption(
        "--show_diff",
        action="store_true",
        default=False,
        help="show a visual diff when a frames_comparison test fails",
    )


#: Module-scoped fixtures whose every value is a whole scene played once.
_SHARED_FIXTURES = ("played",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        for name in _SHARED_FIXTURES:
            if name in params:
                item.add_marker(pytest.mark.xdist_group(f"{item.module.__name__}-{name}-{params[name]}"))


@pytest.fixture(scope="session")
def manim_media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One media folder per test session (per xdist worker): Typst/Text caches are reused between tests."""
    return tmp_path_factory.mktemp("manim_media")


@pytest.fixture(autouse=True)
def _manim_media_in_tmp(manim_media_dir: Path) -> Iterator[None]:
    if "manim" not in sys.modules:
        yield
        return
    from manim import tempconfig

    with tempconfig({"media_dir": str(manim_media_dir), "verbosity": "WARNING", "progress_bar": "none"}):
        yield

"""``pip install .`` gives every package of the project and the ``rnn-explainer`` command.

The wheel is built here without build isolation (no network: the virtualenv's own
setuptools), and its contents compared with the source tree, so a new sub-package
missing from ``[tool.setuptools] packages`` fails this test rather than a user's install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("rnn_engine", "scenes", "explainer")


def test_the_wheel_holds_every_module_and_the_console_script(tmp_path: Path) -> None:
    # Built from a copy, so setuptools' build/ and *.egg-info never land in the work tree.
    tree = tmp_path / "tree"
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    for pkg in PACKAGES:
        shutil.copytree(ROOT / pkg, tree / pkg, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    res = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(tree)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    (wheel,) = wheels.glob("rnn_explainer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    source = {p.relative_to(ROOT).as_posix() for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert source, "no source found"
    assert source <= names, f"missing from the wheel: {sorted(source - names)}"
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "rnn-explainer = explainer.cli:run" in text

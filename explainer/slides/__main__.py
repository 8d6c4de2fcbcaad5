"""``python -m explainer.slides fetch-reveal [--force]``: vendor reveal.js from the npm registry (a setup step)."""

from __future__ import annotations

import sys

from explainer.slides.vendor import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "fetch-reveal":
        print("usage: python -m explainer.slides fetch-reveal [--force]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(args[1:]))

#!/usr/bin/env python3
"""Command line for the RNN explainer: ``python render.py {render,batch,validate,trace} ...``.

The door only: options are parsed and each command's core lives in ``explainer.cli``.
"""

from explainer.cli import run

if __name__ == "__main__":
    run()

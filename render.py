#!/usr/bin/env python3
"""Command line for the RNN explainer: ``python render.py {render,batch,validate,trace} ...``.

The door only: options are parsed and each command's core lives in ``explainer.cli``.
"""

import sys

from explainer.cli import main

if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# One door for a fresh Debian/Ubuntu machine: set everything up, then do one thing.
# Nothing here is needed at render time from the network: the voices, their model and
# reveal.js are installed once, here.
#
#   ./dev.sh demo     set up, then render configs/default.yaml into out/default/
#   ./dev.sh test     set up, then run the whole test suite
#   ./dev.sh setup    set up only
#
# Setup is idempotent and quick when nothing is missing: it checks the system
# libraries Manim builds against (pkg-config, cairo, pango), creates .venv and
# installs the locked dependencies (requirements.lock) only when the lock file
# changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
VENV=.venv
LOCK=requirements.lock
STAMP=$VENV/.lock-sha256

say() { printf '\033[1m[dev]\033[0m %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else say "need root for: $*"; exit 1; fi
}

apt_install() {
    if ! command -v apt-get >/dev/null 2>&1; then
        say "missing system packages: $*  (install them with your package manager)"; exit 1
    fi
    say "installing system packages: $*"
    if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

system_deps() {
    local missing=()
    command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
    if ! pkg-config --exists cairo 2>/dev/null; then missing+=(libcairo2-dev); fi
    if ! pkg-config --exists pangocairo 2>/dev/null; then missing+=(libpango1.0-dev); fi
    command -v "$PY" >/dev/null 2>&1 || missing+=(python3)
    if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
    if ! "$PY" -c 'import sysconfig,os,sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null; then
        missing+=(python3-dev)
    fi
    command -v cc >/dev/null 2>&1 || missing+=(build-essential)
    # The light narration voice (the neural one, piper, comes from the lock).
    command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
    if [ "${1:-}" = test ] && ! command -v chromium >/dev/null 2>&1; then
        # The batch gallery page is tested in a real headless browser.
        apt_install chromium || say "chromium could not be installed; the browser test will be skipped"
    fi
}

python_env() {
    local want have=""
    want=$(cat "$LOCK" pyproject.toml | sha256sum | cut -d' ' -f1)
    [ -f "$STAMP" ] && have=$(cat "$STAMP")
    if [ -x "$VENV/bin/python" ] && [ "$want" = "$have" ]; then return; fi
    "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { say "Python >= 3.11 needed"; exit 1; }
    [ -x "$VENV/bin/python" ] || { say "creating $VENV"; "$PY" -m venv "$VENV"; }
    say "installing locked Python dependencies (first time: a few minutes, manimpango builds from source)"
    # (grep drops pip's notes about local index folders some machines configure)
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK" \
        2> >(grep -v '^WARNING: Location .* is ignored' >&2)
    echo "$want" > "$STAMP"
}

web_assets() {
    # The offline lecture deck (render.py slides) uses reveal.js from the npm registry (one HTTPS
    # download, no npm needed), fetched once into vendor/ and checked against its published sha512.
    # Not fatal: without it only the slides command stops (with one line saying what to run) and
    # its browser tests are skipped.
    if "$VENV/bin/python" -c 'from explainer.slides.vendor import reveal_dir; reveal_dir()' 2>/dev/null; then return; fi
    say "fetching reveal.js for the offline lecture deck (npm registry)"
    "$VENV/bin/python" -m explainer.slides fetch-reveal || say "reveal.js could not be fetched; no lecture decks"
}

cmd=${1:-demo}
shift || true
case "$cmd" in
    setup) system_deps; python_env; web_assets ;;
    demo)
        system_deps; python_env
        "$VENV/bin/python" render.py render configs/default.yaml "$@"
        ;;
    test)
        system_deps test; python_env; web_assets
        rc=0
        # loadgroup: tests sharing one played scene stay on one worker (tests/conftest.py).
        "$VENV/bin/python" -m pytest -n 2 --dist loadgroup "$@" || rc=$?
        exit "$rc"
        ;;
    *) say "usage: ./dev.sh [demo|test|setup] [extra args]"; exit 2 ;;
esac

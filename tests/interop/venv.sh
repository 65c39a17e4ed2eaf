#!/usr/bin/env bash
# tests/interop/venv.sh: owns the Python virtualenv of the real-client tests (target/interop-venv): creates it and
# installs requirements.txt when it changed. Idempotent; tests/all.sh runs it once before the parallel step.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$root/target/interop-venv"
req="$here/requirements.txt"
want="$(sha256sum "$req" | cut -d' ' -f1)"
stamp="$venv/requirements.sha256"
if [ ! -x "$venv/bin/python" ]; then
    echo "interop: creating $venv"
    python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
    echo "interop: installing $req"
    rm -f "$stamp"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$want" > "$stamp"
fi

#!/usr/bin/env bash
# tests/clients/zeep/run.sh: owns running the zeep row (SOAP 1.1 + 1.2) in the interop venv; see ../matrix.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/../../../target/interop-venv/bin/python"
if [ ! -x "$py" ]; then
    echo "FAIL soap11: no interop venv at target/interop-venv (tests/interop/venv.sh makes it)"
    echo "FAIL soap12: no interop venv"
    exit 1
fi
exec "$py" "$here/scenario.py"

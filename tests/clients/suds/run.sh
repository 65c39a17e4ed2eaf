#!/usr/bin/env bash
# tests/clients/suds/run.sh: owns running the suds row (SOAP 1.1; suds has no 1.2) in the interop venv; see ../matrix.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="$here/../../../target/interop-venv/bin/python"
if [ ! -x "$py" ]; then
    echo "FAIL soap11: no interop venv at target/interop-venv (tests/interop/venv.sh makes it)"
    exit 1
fi
exec "$py" "$here/scenario.py"

#!/usr/bin/env bash
# tests/clients/run_all.sh: owns running the client matrix: every tests/clients/*/run.sh against one release server.
# Usage: bash tests/clients/run_all.sh [CLIENT ...]   (UPDATE_CAPTURES=1 rewrites fixtures/clients; USERGATE_BIN
# overrides target/release/usergate; nothing is built or installed here: .ci/run installs, tests/all.sh builds).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
bin="${USERGATE_BIN:-target/release/usergate}"
if [ ! -x "$bin" ]; then
    echo "clients: usergate binary not found at $bin (cargo build --release, or set USERGATE_BIN)" >&2
    exit 2
fi
export USERGATE_BIN="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
exec python3 tests/clients/matrix.py "$@"

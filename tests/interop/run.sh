#!/usr/bin/env bash
# tests/interop/run.sh: owns running the real-client interop tests (zeep, suds; on the DynECT WSDLs also PHP
# SoapClient; zeep over built-in TLS) against a built usergate binary.
# Usage: bash tests/interop/run.sh   (USERGATE_BIN overrides target/release/usergate; nothing is built here)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

bin="${USERGATE_BIN:-target/release/usergate}"
case "$bin" in /*) bin_abs="$bin" ;; *) bin_abs="$root/$bin" ;; esac
if [ ! -x "$bin_abs" ]; then
    echo "interop: usergate binary not found or not executable at $bin_abs" >&2
    echo "interop: build it first (cargo build --release) or set USERGATE_BIN" >&2
    exit 2
fi
export USERGATE_BIN="$bin_abs"

# unittest's enterClassContext (one server per test class) needs Python 3.11.
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "interop: python3 >= 3.11 required, found $(python3 --version 2>&1)" >&2
    exit 2
fi

bash "$here/venv.sh"
venv="$root/target/interop-venv"

# The servers listen on 127.0.0.1 only: never send that through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"

cd "$here"
# All modules in one unittest run; the last line is the plain "interop: N passed, N failed" summary.
"$venv/bin/python" - test_zeep test_suds test_dynect test_tls <<'PY'
import sys
import unittest

suite = unittest.defaultTestLoader.loadTestsFromNames(sys.argv[1:])
result = unittest.TextTestRunner(verbosity=2).run(suite)
# A test with failing subTests is one failed test; a failing setUpClass counts as one failure too.
failed = {getattr(test, "test_case", test).id() for test, _ in result.failures + result.errors}
failed |= {test.id() for test in result.unexpectedSuccesses}
passed = result.testsRun - len({t for t in failed if not t.startswith("setUpClass")}) - len(result.skipped)
print(f"interop: {passed} passed, {len(failed)} failed")
sys.exit(0 if result.wasSuccessful() else 1)
PY

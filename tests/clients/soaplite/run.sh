#!/usr/bin/env bash
# tests/clients/soaplite/run.sh: owns running the Perl SOAP::Lite row (SOAP 1.1 + 1.2); see ../matrix.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! perl -MSOAP::Lite -e1 2>/dev/null; then
    echo "FAIL soap11: Perl SOAP::Lite is not installed (.ci/run installs libsoap-lite-perl)"
    echo "FAIL soap12: SOAP::Lite missing"
    exit 1
fi
exec perl "$here/scenario.pl"

#!/usr/bin/env bash
# tests/clients/php/run.sh: owns running the PHP SoapClient row (SOAP 1.1 + 1.2); see ../matrix.py.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! php -m 2>/dev/null | grep -i '^soap$' >/dev/null; then
    echo "FAIL soap11: PHP with the soap extension is not installed (.ci/run installs php-cli php-soap)"
    echo "FAIL soap12: PHP soap extension missing"
    exit 1
fi
exec php "$here/scenario.php"

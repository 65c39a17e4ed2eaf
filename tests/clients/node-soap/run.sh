#!/usr/bin/env bash
# tests/clients/node-soap/run.sh: owns the node-soap row (SOAP 1.1 + 1.2 on wsdl/usergate.wsdl); see ../matrix.py.
# The package is pinned in tests/clients/node/package-lock.json, installed there by .ci/run (npm ci).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../row.sh"
row_init node-soap

command -v node > /dev/null || fail_all "node not installed"
export NODE_PATH="$here/../node/node_modules"
[ -d "$NODE_PATH/soap" ] || fail_all "no $NODE_PATH (.ci/run runs npm ci in tests/clients/node)"

cell soap11 node "$here/matrix.js" soap11 "$WSDL_FILE" UsergatePort "$USERGATE_SOAP11_URL" nodesoap11_ \
    "$USERGATE_CUSTOMER" "$USERGATE_USER" "$USERGATE_PASSWORD"
cell soap12 node "$here/matrix.js" soap12 "$WSDL_FILE" UsergatePort12 "$USERGATE_SOAP12_URL" nodesoap12_ \
    "$USERGATE_CUSTOMER" "$USERGATE_USER" "$USERGATE_PASSWORD"
row_exit

#!/usr/bin/env bash
# tests/clients/gsoap/run.sh: owns the gSOAP row (wsdl2h + soapcpp2 + g++, SOAP 1.1 + 1.2); see ../matrix.py.
# The proxy is generated from wsdl/usergate.wsdl and compiled with matrix.cpp once into target/clients/gsoap/
# (kept while the WSDL, matrix.cpp and this script are unchanged); the one binary runs each binding.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../row.sh"
row_init gsoap

for tool in wsdl2h soapcpp2 g++ pkg-config; do
    command -v "$tool" > /dev/null || fail_all "$tool not installed (.ci/run installs gsoap libgsoap-dev)"
done
pkg-config --exists gsoap++ || fail_all "gsoap++ development files missing (.ci/run installs libgsoap-dev)"

build="$CLIENT_OUT/build"
if ! stamp_ok "$build" "$WSDL_FILE" "$here/matrix.cpp" "$here/run.sh"; then
    rm -rf "$build" && mkdir -p "$build"
    (
        # (The subshell runs under `||`, where errexit is off: hence the && chain.)
        cd "$build" &&
        wsdl2h -o usergate.h -t /usr/share/gsoap/WS/typemap.dat "$WSDL_FILE" &&
        # -j: C++ proxy classes; -C: client side only; -x: no sample messages.
        soapcpp2 -j -C -x -I/usr/share/gsoap/import usergate.h &&
        # -O0: the generated soapC.cpp is large and runs a dozen calls; optimising it only costs CI time.
        g++ -O0 -o matrix -I. "$here/matrix.cpp" soapC.cpp soapUsergateBindingProxy.cpp \
            $(pkg-config --cflags --libs gsoap++)
    ) > "$CLIENT_OUT/build.log" 2>&1 || { cat "$CLIENT_OUT/build.log"; fail_all "gSOAP generation or g++ failed"; }
    stamp_write "$build" "$WSDL_FILE" "$here/matrix.cpp" "$here/run.sh"
fi

cell soap11 "$build/matrix" soap11 "$USERGATE_SOAP11_URL" gsoap11_ \
    "$USERGATE_CUSTOMER" "$USERGATE_USER" "$USERGATE_PASSWORD"
cell soap12 "$build/matrix" soap12 "$USERGATE_SOAP12_URL" gsoap12_ \
    "$USERGATE_CUSTOMER" "$USERGATE_USER" "$USERGATE_PASSWORD"
row_exit

#!/usr/bin/env bash
# tests/clients/jaxws/run.sh: owns the JAX-WS RI row (wsimport on Java 17, SOAP 1.1 + 1.2); see ../matrix.py.
# wsimport -extension generates both ports' classes from wsdl/usergate.wsdl once into target/clients/jaxws/
# (kept while the WSDL, Matrix.java and this script are unchanged); each binding runs Matrix.java in its own JVM.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../row.sh"
row_init jaxws

for tool in wsimport javac java; do
    command -v "$tool" > /dev/null || fail_all "$tool not installed (.ci/run installs jaxws and a JDK)"
done
# The Debian jaxws jars; jaxws-rt.jar's manifest Class-Path brings in the rest of /usr/share/java.
CP=/usr/share/java/jaxws-rt.jar:/usr/share/java/jaxws-api.jar:/usr/share/java/jaxb-api.jar
CP=$CP:/usr/share/java/jws-api.jar:/usr/share/java/javax.activation.jar

build="$CLIENT_OUT/build"
if ! stamp_ok "$build" "$WSDL_FILE" "$here/Matrix.java" "$here/run.sh"; then
    rm -rf "$build" && mkdir -p "$build/src" "$build/classes"
    # -extension: without it wsimport ignores the SOAP 1.2 port ("non-standard SOAP 1.2 binding").
    wsimport -quiet -extension -Xnocompile -s "$build/src" -p usergate.ws "$WSDL_FILE" > "$build/wsimport.log" 2>&1 \
        || { cat "$build/wsimport.log"; fail_all "wsimport failed"; }
    javac -J-XX:TieredStopAtLevel=1 -nowarn -encoding UTF-8 -d "$build/classes" -cp "$CP" \
        $(find "$build/src" -name '*.java') "$here/Matrix.java" > "$build/javac.log" 2>&1 \
        || { cat "$build/javac.log"; fail_all "javac failed"; }
    stamp_write "$build" "$WSDL_FILE" "$here/Matrix.java" "$here/run.sh"
fi

java_matrix() {
    # logging.properties silences the SAAJ FactoryFinder deprecation warning the Debian jars print on every start.
    # TieredStopAtLevel=1 (C1 only): these JVMs live seconds, and skipping C2 saves about 40% of their CPU time.
    java -XX:TieredStopAtLevel=1 -Djava.util.logging.config.file="$here/logging.properties" \
        -cp "$build/classes:$CP" usergate.matrix.Matrix "$@"
}
cell soap11 java_matrix soap11 "$WSDL_FILE" UsergatePort "$USERGATE_SOAP11_URL" jaxws11_ \
    "$USERGATE_CUSTOMER" "$USERGATE_USER" "$USERGATE_PASSWORD"
cell soap12 java_matrix soap12 "$WSDL_FILE" UsergatePort12 "$USERGATE_SOAP12_URL" jaxws12_ \
    "$USERGATE_CUSTOMER" "$USERGATE_USER" "$USERGATE_PASSWORD"
row_exit

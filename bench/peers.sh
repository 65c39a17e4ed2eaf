#!/usr/bin/env bash
# bench/peers.sh: usergate in the peers harness (../shared/bench/peers, its README), beside bare hyper, the
# quick-xml limit and gSOAP, with the same wrk command and pinning. Builds usergate, seeds the 1,000-user bench
# database if needed, logs the owner in once (a token made beforehand, so the measured server's RSS is its own),
# writes a wrk script with that token in target/bench/, and runs the harness with usergate as an EXTRA server.
# Usage: [ROUNDS=5 ...] bench/peers.sh (the env is run.sh's). Runs the peers' build.sh first when its outputs are
# missing from $BUILD (default ${TMPDIR:-/tmp}/peers-build, as the harness).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
peers="${PEERS:-$(cd .. && pwd)/shared/bench/peers}"
build="${BUILD:-${TMPDIR:-/tmp}/peers-build}"
if [ ! -x "$build/gsoap/server" ] || [ ! -x "$build/rust-target/release/rust-limits" ]; then
    BUILD="$build" bash "$peers/build.sh"
fi
export BUILD="$build"
cargo build --locked --release --quiet --bin usergate
dir="$(pwd)/target/bench"
mkdir -p "$dir"
db="$dir/db-1k.db"
[ -f "$db.seeded" ] || { USERGATE_BOOTSTRAP_PASSWORD=bench-password-1 RUST_LOG=warn \
    target/release/usergate --db "$db" admin seed-bench --users 1000 2>/dev/null && echo -n 1000 > "$db.seeded"; }
port=18944
RUST_LOG=warn target/release/usergate --db "$db" serve --listen "127.0.0.1:$port" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
head='<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:usergate:1"><s:Body>'
login="$head<u:SessionLoginRequest><user_name>owner</user_name><customer_name>default</customer_name><password>bench-password-1</password></u:SessionLoginRequest></s:Body></s:Envelope>"
token=$(curl -s -H 'Content-Type: text/xml' --data-binary "$login" "http://127.0.0.1:$port/SOAP/" \
    | sed -n 's:.*<token>\([^<]*\)</token>.*:\1:p')
kill $pid; wait $pid 2>/dev/null || true
trap - EXIT
[ -n "$token" ] || { echo "bench/peers.sh: owner login failed" >&2; exit 1; }
lua="$dir/peers-getuser.lua"
{
    echo '-- usergate GetUser with a token made beforehand (bench/peers.sh); same form as getuser11.lua.'
    echo 'wrk.method = "POST"'
    echo 'wrk.headers["Content-Type"] = "text/xml; charset=utf-8"'
    echo "wrk.body = [[$head<u:GetUserRequest><token>$token</token><user_name>u0000042</user_name></u:GetUserRequest></s:Body></s:Envelope>]]"
    sed -n '/^done = function/,$p' "$peers/getuser11.lua"
} > "$lua"
extra="usergate|env RUST_LOG=warn $(pwd)/target/release/usergate --db $db serve --listen 127.0.0.1:18020|http://127.0.0.1:18020/SOAP/|5|$lua|<user_name>u0000042</user_name>"
echo "EXTRA='$extra'"
ONLY="${ONLY:-rust-bare,rust-quickxml,gsoap-mt,usergate}" EXTRA="$extra" exec bash "$peers/run.sh"

#!/usr/bin/env bash
# bench/quick.sh: a first quick GetUser load (wrk) against a release usergate on 127.0.0.1, server pinned to
# core 0 and wrk to core 1. Usage: bash bench/quick.sh [connections=32] [seconds=10]. Bounded: fixed duration.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
conns="${1:-32}"
secs="${2:-10}"
bin=target/release/usergate
[ -x "$bin" ] || cargo build --release --quiet
dir="$(mktemp -d)"
port=18931
USERGATE_BOOTSTRAP_PASSWORD=bench-owner-1 RUST_LOG=warn taskset -c 0 "$bin" --db "$dir/b.db" serve \
    --listen "127.0.0.1:$port" 2> "$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
login='<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/" xmlns:u="urn:usergate:1"><e:Body><u:SessionLoginRequest><user_name>owner</user_name><customer_name>default</customer_name><password>bench-owner-1</password></u:SessionLoginRequest></e:Body></e:Envelope>'
token=$(curl -s -H 'Content-Type: text/xml' --data-binary "$login" "http://127.0.0.1:$port/SOAP/" | sed -n 's:.*<token>\([^<]*\)</token>.*:\1:p')
[ -n "$token" ] || { echo "login failed" >&2; exit 1; }
TOKEN="$token" taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency -s bench/getuser.lua "http://127.0.0.1:$port/SOAP/" \
    | grep -E 'Requests/sec|p50=|Socket errors|Non-2xx'
echo "server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"

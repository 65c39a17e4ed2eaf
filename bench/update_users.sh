#!/usr/bin/env bash
# bench/update_users.sh: a quick wrk load of the DDNS update-user reads against a release usergate on 127.0.0.1
# (server on core 0, wrk on core 1): GetUpdateUsers over 10 update users (a plain read), then GetUpdateUserPassword
# (an AEAD open plus a durable audit record per request). Usage: bash bench/update_users.sh [connections=32]
# [seconds=10]. Bounded: fixed duration.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
conns="${1:-32}"
secs="${2:-10}"
bin=target/release/usergate
[ -x "$bin" ] || cargo build --release --quiet
dir="$(mktemp -d)"
port=18932
USERGATE_BOOTSTRAP_PASSWORD=bench-owner-1 RUST_LOG=warn taskset -c 0 "$bin" --db "$dir/b.db" serve \
    --listen "127.0.0.1:$port" 2> "$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
call() {
    curl -s -H 'Content-Type: text/xml' --data-binary \
        "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:u=\"urn:usergate:1\"><e:Body><u:$1Request>$2</u:$1Request></e:Body></e:Envelope>" \
        "http://127.0.0.1:$port/SOAP/"
}
token=$(call SessionLogin '<user_name>owner</user_name><customer_name>default</customer_name><password>bench-owner-1</password>' \
    | sed -n 's:.*<token>\([^<]*\)</token>.*:\1:p')
[ -n "$token" ] || { echo "login failed" >&2; exit 1; }
for _ in $(seq 10); do
    user=$(call CreateUpdateUser "<token>$token</token>" | sed -n 's:.*<user_name>\([^<]*\)</user_name>.*:\1:p')
done
for op in GetUpdateUsers GetUpdateUserPassword; do
    echo "$op:"
    OP=$op DDNS_USER="$user" TOKEN="$token" taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency \
        -s bench/update_users.lua "http://127.0.0.1:$port/SOAP/" | grep -E 'Requests/sec|p50=|Socket errors|Non-2xx'
done
echo "server peak RSS: $(grep VmHWM /proc/$pid/status | awk '{print $2, $3}')"

#!/usr/bin/env bash
# bench/profile.sh: instruction counts per request of one scenario (GetUser by default) under callgrind, which are
# stable on a noisy machine where wall-clock figures are not. Usage: bench/profile.sh [requests=2000] [body-kind]
# (body-kind: getuser | fault | getusers | updateuser | bare; bare profiles examples/bench_tools.rs's fixed-reply server). Starts a release server under valgrind on 127.0.0.1, logs in, warms up,
# collects over exactly N keep-alive requests, and prints the inclusive instruction counts per request of the
# layers (BENCHMARKS.md explains the table). Output files stay in target/bench/profile/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
n="${1:-2000}"
kind="${2:-getuser}"
cargo build --locked --release --quiet --bin usergate --example bench_tools
out=target/bench/profile
mkdir -p "$out"
rm -f "$out"/callgrind.out.* "$out/db.db"*
[ -f target/bench/db-1k.db ] || USERGATE_BOOTSTRAP_PASSWORD=bench-password-1 RUST_LOG=warn \
    target/release/usergate --db target/bench/db-1k.db admin seed-bench --users 1000 2>/dev/null
cp target/bench/db-1k.db "$out/db.db"
# A port the OS hands out, so that runs side by side do not collide.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
server=(target/release/usergate --db "$out/db.db" serve --listen "127.0.0.1:$port")
[ "$kind" = bare ] && server=(target/release/examples/bench_tools bare "$port")
RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out/callgrind.out.%p" \
    "${server[@]}" 2>"$out/valgrind.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
python3 bench/profile_client.py "$port" "$n" "$kind" "$pid"
kill -TERM $pid
wait $pid || true
trap - EXIT
python3 bench/profile_report.py "$out"/callgrind.out.* "$n"

#!/usr/bin/env bash
# tests/all.sh: the whole test suite, the README's test command (and what CI runs): formatting, lints, unit and
# integration tests, the real SOAP clients and the fuzzers, then the fixture schema check against the release binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo; echo "== $* =="; }

step "format"
cargo fmt --check
step "lints"
cargo clippy --locked --all-targets -- -D warnings
step "release build (used by the interop suite)"
cargo build --locked --release --bins --examples

step "packaging: cargo install, Dockerfile (if a docker daemon answers), systemd unit (if systemd-analyze exists)"
bash tests/packaging.sh

step "python venv for the real clients (target/interop-venv)"
bash tests/interop/venv.sh

# The Rust tests, the third-party clients, the client matrix, the bench smoke and the fuzzers are independent: run
# them side by side.
step "cargo test + interop (zeep, suds, PHP SoapClient) + client matrix + bench smoke + fuzzing (60 s per target) in parallel"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
cargo test --locked > "$log/cargo.txt" 2>&1 &
cargo_pid=$!
bash tests/clients/run_all.sh > "$log/clients.txt" 2>&1 &
clients_pid=$!
# Every benchmark scenario briefly, each reply checked; no performance target is asserted (BENCHMARKS.md).
bash bench/run.sh --smoke > "$log/bench.txt" 2>&1 &
bench_pid=$!
bash fuzz/run.sh "${USERGATE_FUZZ_SECS:-60}" > "$log/fuzz.txt" 2>&1 &
fuzz_pid=$!
rc_interop=0
bash tests/interop/run.sh > "$log/interop.txt" 2>&1 || rc_interop=$?
rc_cargo=0
wait "$cargo_pid" || rc_cargo=$?
rc_clients=0
wait "$clients_pid" || rc_clients=$?
rc_bench=0
wait "$bench_pid" || rc_bench=$?
rc_fuzz=0
wait "$fuzz_pid" || rc_fuzz=$?
cat "$log/cargo.txt"
# Summaries the hostile corpus and the crash loop leave behind (a passing test's output is not shown).
grep -h "slowest\|crash loop" target/tmp/hostile-timings.txt target/tmp/crash-loop.txt 2>/dev/null || true
echo
cat "$log/interop.txt"
echo
cat "$log/clients.txt"
echo
cat "$log/bench.txt"
echo
cat "$log/fuzz.txt"

step "fixtures validate against the WSDL schema"
rc_schema=0
target/interop-venv/bin/python tests/interop/validate_fixtures.py . || rc_schema=$?

echo
echo "cargo test: rc=$rc_cargo; interop: rc=$rc_interop; client matrix: rc=$rc_clients; bench smoke: rc=$rc_bench;" \
    "fuzz: rc=$rc_fuzz; fixture schema: rc=$rc_schema"
[ "$rc_cargo" -eq 0 ] && [ "$rc_interop" -eq 0 ] && [ "$rc_clients" -eq 0 ] && [ "$rc_bench" -eq 0 ] \
    && [ "$rc_fuzz" -eq 0 ] \
    && [ "$rc_schema" -eq 0 ]

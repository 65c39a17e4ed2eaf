#!/usr/bin/env bash
# tests/all.sh: the whole test suite, the README's test command (and what CI runs): formatting, lints, unit and
# integration tests, then the real SOAP clients and the fixture schema check against the release binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo; echo "== $* =="; }

step "format"
cargo fmt --check
step "lints"
cargo clippy --locked --all-targets -- -D warnings
step "release build (used by the interop suite)"
cargo build --locked --release --bins --examples

# The Rust tests, the third-party clients and the bench smoke are independent: run them side by side.
step "cargo test + interop (zeep, suds) + bench smoke in parallel"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
cargo test --locked > "$log/cargo.txt" 2>&1 &
cargo_pid=$!
# Every benchmark scenario briefly, each reply checked; no performance target is asserted (BENCHMARKS.md).
bash bench/run.sh --smoke > "$log/bench.txt" 2>&1 &
bench_pid=$!
rc_interop=0
bash tests/interop/run.sh > "$log/interop.txt" 2>&1 || rc_interop=$?
rc_cargo=0
wait "$cargo_pid" || rc_cargo=$?
rc_bench=0
wait "$bench_pid" || rc_bench=$?
cat "$log/cargo.txt"
echo
cat "$log/interop.txt"
echo
cat "$log/bench.txt"

step "fixtures validate against the WSDL schema"
rc_schema=0
target/interop-venv/bin/python tests/interop/validate_fixtures.py . || rc_schema=$?

echo
echo "cargo test: rc=$rc_cargo; interop: rc=$rc_interop; bench smoke: rc=$rc_bench; fixture schema: rc=$rc_schema"
[ "$rc_cargo" -eq 0 ] && [ "$rc_interop" -eq 0 ] && [ "$rc_bench" -eq 0 ] && [ "$rc_schema" -eq 0 ]

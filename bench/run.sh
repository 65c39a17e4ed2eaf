#!/usr/bin/env bash
# bench/run.sh: the one benchmark command (BENCHMARKS.md). Builds the release binary and the bench-only helpers
# once, then runs every scenario (bench/run.py) and prints one table. `bench/run.sh --smoke` is CI's 20-second
# correctness pass over every scenario; other flags: see `python3 bench/run.py --help`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --locked --release --quiet --bin usergate --example bench_tools
exec python3 bench/run.py "$@"

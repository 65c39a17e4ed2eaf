#!/usr/bin/env bash
# bench/run.sh: the one benchmark command (BENCHMARKS.md). Builds the release binary and the bench-only helpers
# once, then runs every scenario (bench/run.py) and prints one table. `bench/run.sh --smoke` is CI's 20-second
# correctness pass over every scenario; other flags: see `python3 bench/run.py --help`. `--peers` (first
# argument) then also runs bench/peers.sh: usergate against gSOAP and the Rust limits in the peers harness.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
peers=0
if [ "${1:-}" = "--peers" ]; then peers=1; shift; fi
cargo build --locked --release --quiet --bin usergate --example bench_tools
python3 bench/run.py "$@"
if [ "$peers" = 1 ]; then
    echo
    echo "== peers harness (bench/peers.sh) =="
    bash bench/peers.sh
fi

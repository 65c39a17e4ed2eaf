#!/usr/bin/env bash
# fuzz/run.sh [SECONDS]: seeds the corpora from fixtures/, builds both cargo-fuzz targets (nightly, ASan, debug
# assertions) and runs each for SECONDS (default 60), one after the other, with inputs capped at the default body
# limit and memory capped by -rss_limit_mb. Prints executions per second; fails on any crash, leak or OOM
# (the input is kept in fuzz/artifacts/<target>/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
secs="${1:-60}"
# The default body limit: larger inputs never reach the handler (413).
max_len=65536
# ASan's shadow memory and the handler target's SQLite and Argon2 (19 MiB per hash) included; measured peaks are
# about a third of this.
rss_mb=1024

bash seed.sh
cargo +nightly fuzz build
rc=0
for target in read_request handle; do
    log="target/fuzz-$target.log"
    mkdir -p target
    if ! cargo +nightly fuzz run "$target" "corpus/$target" -- \
        -max_total_time="$secs" -max_len="$max_len" -rss_limit_mb="$rss_mb" -print_final_stats=1 \
        > "$log" 2>&1; then
        rc=1
        echo "fuzz $target: FAILED (log below; the input is in fuzz/artifacts/$target/)"
        tail -n 60 "$log"
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    peak="$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 || true)"
    echo "fuzz $target: ${secs} s, $runs executions, $rate exec/s, peak RSS $peak MB, $cov"
done
exit "$rc"

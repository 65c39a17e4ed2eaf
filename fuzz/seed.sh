#!/usr/bin/env bash
# fuzz/seed.sh: fills fuzz/corpus/<target>/ with the request bodies of fixtures/ (native, DynECT and hostile), each
# prefixed with the charset byte the targets read first (0: UTF-8). The corpus is not committed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
for target in read_request handle; do
    mkdir -p "corpus/$target"
    for f in ../fixtures/native/*/*.request.xml ../fixtures/dynect/*/*/*.request.xml ../fixtures/hostile/*.xml; do
        # The path below fixtures/, flattened: DynECT versions share operation and case names.
        name="$(echo "${f#../fixtures/}" | tr / _)"
        { printf '\0'; cat "$f"; } > "corpus/$target/$name"
    done
done
echo "seeded $(ls corpus/read_request | wc -l) inputs per target"

#!/usr/bin/env bash
# tests/packaging.sh: packaging checks. `cargo install --locked --path .` always; the Docker image only when a docker
# daemon answers; the systemd unit with `systemd-analyze verify` only when systemd-analyze exists. Prints what was
# checked and what was skipped, and why: a skipped check is never reported as a pass.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

checked=()
skipped=()
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. cargo install (reuses target/release when the release build is current).
cargo install --locked --quiet --path . --root "$work/root"
version="$("$work/root/bin/usergate" --version)"
[ "$version" = "usergate $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)" ] \
    || { echo "packaging: installed binary says '$version'" >&2; exit 1; }
checked+=("cargo install --locked --path . -> $version")

# 2. What the image and the unit must say, read from the files themselves (always checked).
for want in '^FROM .* AS build' '^FROM debian:.*-slim' '^USER usergate' '^VOLUME /var/lib/usergate' '^HEALTHCHECK ' \
    'USERGATE_LISTEN=0.0.0.0:8080'; do
    grep -Eq "$want" Dockerfile || { echo "packaging: Dockerfile lacks $want" >&2; exit 1; }
done
for want in DynamicUser=yes ProtectSystem=strict StateDirectory=usergate NoNewPrivileges=yes 'CapabilityBoundingSet=$'; do
    grep -Eq "^$want" packaging/usergate.service || { echo "packaging: unit lacks $want" >&2; exit 1; }
done
checked+=("Dockerfile and packaging/usergate.service contain the required hardening lines")

# 3. The image, if a daemon is there.
if ! command -v docker >/dev/null 2>&1; then
    skipped+=("docker image build: no docker command")
elif ! docker info >/dev/null 2>&1; then
    skipped+=("docker image build: 'docker info' failed (no reachable docker daemon)")
else
    docker build --quiet -t usergate:packaging-check . >/dev/null
    user="$(docker image inspect --format '{{.Config.User}}' usergate:packaging-check)"
    [ "$user" = "usergate" ] || { echo "packaging: image runs as '$user'" >&2; exit 1; }
    docker run --rm usergate:packaging-check --version
    checked+=("docker build (image runs as $user; usergate --version inside it)")
fi

# 4. The unit, if systemd-analyze is there. It checks that ExecStart's binary exists, so the copy verified points at
# the one just installed; its warnings (unknown keys...) exit 0, so any output counts as a failure.
if ! command -v systemd-analyze >/dev/null 2>&1; then
    skipped+=("systemd unit verification: systemd-analyze not installed")
else
    mkdir -p "$work/unit"
    sed "s#/usr/local/bin/usergate#$work/root/bin/usergate#" packaging/usergate.service > "$work/unit/usergate.service"
    out="$(systemd-analyze verify "$work/unit/usergate.service" 2>&1)" || { echo "$out" >&2; exit 1; }
    if [ -n "$out" ]; then
        echo "packaging: systemd-analyze verify complained:" >&2
        echo "$out" >&2
        exit 1
    fi
    checked+=("systemd-analyze verify packaging/usergate.service: no complaint")
fi

echo "packaging: checked:"
printf '  - %s\n' "${checked[@]}"
if [ "${#skipped[@]}" -gt 0 ]; then
    echo "packaging: SKIPPED (not checked here):"
    printf '  - %s\n' "${skipped[@]}"
fi

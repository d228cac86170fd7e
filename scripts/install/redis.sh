#!/usr/bin/env bash
# Installs `redis-server`, Debian's package (7.0 here), for the Redis PubSub
# adapter's tests (tests/cluster), which start it themselves on a free
# loopback port with persistence off, in a temporary directory, and kill it
# at the end. Installing the package does not keep a server running: the
# tests never use a system-wide one.
#
# Idempotent: when `redis-server` is already on PATH it prints one line and
# exits. Needs root (apt-get). With CI=true a failure to install is fatal;
# otherwise it warns, and the Redis tests fail with the reason.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
    echo "redis: already installed ($(redis-server --version | cut -d' ' -f1-3))"
    exit 0
fi

fail() {
    if [ "${CI:-}" = "true" ]; then
        echo "redis: $1" >&2
        exit 1
    fi
    echo "redis: $1 (the Redis tests will fail)" >&2
    exit 0
}

if [ "$(id -u)" -ne 0 ]; then
    fail "redis-server is not installed and installing it needs root: apt-get install redis-server"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || fail "apt-get update failed"
apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    || fail "apt-get install redis-server failed"
# The package's service, where a service manager runs at all, is not what
# the tests use: stop it so it does not hold port 6379.
if command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
fi
command -v redis-server >/dev/null 2>&1 || fail "redis-server is still not on PATH"
echo "redis: installed $(redis-server --version | cut -d' ' -f1-3)"

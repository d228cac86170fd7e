#!/usr/bin/env bash
# Installs the OTLP collector the export tests run against, into .venv at the
# repository root (gitignored):
#
#   rotel                an OpenTelemetry collector; ships the `rotel-agent` binary,
#                      linked to .venv/bin/rotel-agent
#   opentelemetry-proto  decodes OTLP requests in scripts/test/otlp_sink.py
#
# Idempotent: when both are already installed it prints one line and exits.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.venv
PY="$VENV/bin/python"
# Pinned: rotel is an alpha whose command line may change.
PACKAGES=(rotel==0.0.1a15 opentelemetry-proto==1.45.2)

installed() {
    [ -x "$PY" ] && [ -x "$VENV/bin/rotel-agent" ] \
        && "$PY" -c 'import opentelemetry.proto.collector.trace.v1.trace_service_pb2' 2>/dev/null
}

if installed; then
    echo "collector: already installed in $VENV"
    exit 0
fi

if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV"
fi
"$PY" -m pip install --quiet --disable-pip-version-check "${PACKAGES[@]}"
# The wheel keeps the binary inside the package; link it where tests look.
AGENT=$("$PY" -c 'import os, rotel; print(os.path.join(os.path.dirname(rotel.__file__), "rotel-agent"))')
ln -sf "$AGENT" "$VENV/bin/rotel-agent"

if ! installed; then
    echo "collector: installing ${PACKAGES[*]} did not provide $VENV/bin/rotel-agent and the OTLP protos" >&2
    exit 1
fi
echo "collector: installed $("$VENV/bin/rotel-agent" --version 2>/dev/null || echo rotel-agent) in $VENV"

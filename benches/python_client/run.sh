#!/usr/bin/env bash
# The vendor's official Python client (datadog-api-client) against `sigscope serve`: list, search,
# get, bulk triage (state, update) and the single update route, in a throwaway venv. Not part of
# `cargo test` (it installs from PyPI and takes a minute); run it by hand or from a CI job:
#   benches/python_client/run.sh [path/to/sigscope]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-${CARGO_TARGET_DIR:-$here/../../target}/debug/sigscope}"
[ -x "$bin" ] || { echo "error: no sigscope binary at $bin (cargo build first)" >&2; exit 1; }
work="$(mktemp -d)"
trap 'kill "${srv:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export SIGSCOPE_STORE="$work/s.db" SIGSCOPE_CONFIG="$work/config.toml" SIGSCOPE_USER=admin@example.com
"$bin" demo --signals 50 --out "$work/demo.json" >/dev/null
"$bin" import "$work/demo.json" >/dev/null
eval "$("$bin" keys create --user admin@example.com 2>/dev/null)"
export DD_API_KEY DD_APP_KEY
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
srv=$!
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$port),0.2)" 2>/dev/null && break
  sleep 0.1
done
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q datadog-api-client
SIGSCOPE_URL="http://127.0.0.1:$port" "$work/venv/bin/python" "$here/check.py"

#!/usr/bin/env bash
# `npm run bench` with Portkey's open-source AI Gateway (its Node build, from npm) as the peer,
# calling the simulator through Portkey's Moonshot provider. Everything runs in a network namespace
# that has only loopback (`unshare -rn`), so neither the benchmark nor the peer can reach anything
# beyond this machine. Portkey is installed under node_modules/.cache/, not as a dependency.
#
#   bash bench/peers/portkey.sh [bench options, e.g. --quick or --only latency_1conn]
#
# PORTKEY_VERSION picks another release (default 1.15.2, measured in the twenty-first round).
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${PORTKEY_VERSION:-1.15.2}"
dir="node_modules/.cache/moongate-peers/portkey-$version"
server="$dir/node_modules/@portkey-ai/gateway/build/start-server.js"
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null || ! unshare -rn true 2>/dev/null; then
  echo "portkey.sh: needs \`unshare -rn\` (util-linux, user namespaces) and \`ip\` (iproute2) to keep the peer on loopback" >&2
  exit 2
fi
if [ ! -f "$server" ]; then
  mkdir -p "$dir"
  (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "@portkey-ai/gateway@$version")
fi
npm run build >/dev/null 2>&1 || npm run build
npx tsc -p bench/tsconfig.json
log="$dir/portkey.log"
echo "portkey.sh: Portkey's output goes to $log" >&2
exec unshare -rn bash -c '
  set -e
  ip link set lo up
  node "$0" --port=8787 --headless >"$1" 2>&1 &
  peer=$!
  trap "kill $peer 2>/dev/null" EXIT
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/8787) 2>/dev/null && break; sleep 0.1; done
  if ! (exec 3<>/dev/tcp/127.0.0.1/8787) 2>/dev/null; then echo "portkey.sh: Portkey did not listen on 8787 within 10 s; see $1" >&2; exit 1; fi
  shift
  node node_modules/.cache/moongate-bench/run.js --sim-port 9000 \
    --peer http://127.0.0.1:8787/v1 --peer-model kimi-k2.6 --peer-key sk-bench-global-0001 \
    --peer-header "x-portkey-provider: moonshot" --peer-header "x-portkey-custom-host: http://127.0.0.1:9000" \
    --peer-pid "$peer" "$@"
' "$server" "$log" "$@"

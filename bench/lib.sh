# Shared helpers for the bench scripts (sourced). Every process a script starts is registered with
# `track PID` and stopped by the EXIT/INT/TERM trap, also when the script fails.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
RESULTS="${RESULTS:-$BENCH/results}"
CONFIGURATION="${CONFIGURATION:-Release}"
API_DLL="$ROOT/artifacts/bin/Atlas.Api/${CONFIGURATION,,}/Atlas.Api.dll"
IDX_DLL="$ROOT/artifacts/bin/Atlas.Indexer/${CONFIGURATION,,}/Atlas.Indexer.dll"
mkdir -p "$RESULTS"

log() { printf '[bench %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

BENCH_PIDS=()
track() { BENCH_PIDS+=("$1"); }
stop_pid() { # stop one tracked process (TERM, then KILL after 5 s)
  local p=$1
  kill "$p" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$p" 2>/dev/null || true
}
bench_cleanup() {
  local rc=$?
  trap - INT TERM EXIT
  for p in "${BENCH_PIDS[@]:-}"; do [ -n "$p" ] && stop_pid "$p"; done
  [ -n "${BENCH_TMP:-}" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$BENCH_TMP"
  exit $rc
}
trap bench_cleanup INT TERM EXIT

new_tmp() { BENCH_TMP="$(mktemp -d "${TMPDIR:-/tmp}/atlas-bench.XXXXXX")"; }

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'; }

wait_http() { # url [seconds]
  local url=$1 deadline=$((SECONDS + ${2:-120}))
  until curl -fsS -o /dev/null "$url" 2>/dev/null; do
    ((SECONDS < deadline)) || die "timed out waiting for $url"
    sleep 0.2
  done
}

rss_mb() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# CPU seconds (user + system, all threads) a live process has used so far; 0 when it is gone.
cpu_s() {
  local tick; tick=$(getconf CLK_TCK)
  [ -r "/proc/$1/stat" ] || { echo 0; return; }
  sed 's/^.*) //' "/proc/$1/stat" | awk -v t="$tick" '{printf "%.2f", ($12 + $13) / t}'
}
# CPU seconds of several processes together (e.g. "${NODE_PIDS[@]}").
cpu_sum_s() { local p sum=0; for p in "$@"; do sum=$(awk -v a="$sum" -v b="$(cpu_s "$p")" 'BEGIN {printf "%.2f", a + b}'); done; echo "$sum"; }
# NOW - THEN of two CPU readings, as a JSON-safe number ("0.50", never ".50").
cpu_delta() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a - b}'; }
# One line a second until the first process matching PATTERN (pgrep -f) exits: seconds since start, VmRSS, RssAnon,
# RssFile (kB). Run in the background, redirected to a file.
rss_trace() {
  local pattern=$1 t0=$SECONDS pid=""
  for _ in $(seq 1 50); do pid=$(pgrep -f "$pattern" | head -1); [ -n "$pid" ] && break; sleep 0.1; done
  while [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; do
    echo "$((SECONDS - t0)) $(awk '/^VmRSS|^RssAnon|^RssFile/ {printf "%s ", $2}' "/proc/$pid/status" 2>/dev/null)"; sleep 1
  done
}

build_dotnet() {
  if [ -z "${SKIP_BUILD:-}" ]; then
    log "building api and indexer ($CONFIGURATION)"
    dotnet build "$ROOT/api/Atlas.Api.csproj" -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly >/dev/null
    dotnet build "$ROOT/indexer/Atlas.Indexer.csproj" -c "$CONFIGURATION" -nologo -v q -clp:ErrorsOnly >/dev/null
  fi
  [ -f "$API_DLL" ] && [ -f "$IDX_DLL" ] || die "build output missing"
}

meili_bin() { echo "${MEILI_BIN:-$("$ROOT/deploy/local/meilisearch/install.sh" 2>/dev/null)}"; }

# Meilisearch runs as deploy/compose and deploy/systemd run it: 256 MiB of indexing memory, one indexing thread.
# Without a cap it takes 2/3 of the RAM (16 GB here) and sets up buffers of that budget for every batch: a write of
# one document then costs 0.1-1.9 s instead of 5-10 ms (docs/performance.md §14), which is what earlier figures
# measured. Override both to measure other settings (the direct loads use the same).
export MEILI_MAX_INDEXING_MEMORY="${MEILI_MAX_INDEXING_MEMORY:-256MiB}" MEILI_MAX_INDEXING_THREADS="${MEILI_MAX_INDEXING_THREADS:-1}"

# start_meili DIR PORT KEY → sets MEILI_PID
start_meili() {
  local dir=$1 port=$2 key=$3
  mkdir -p "$dir"
  "$MEILI" --http-addr "127.0.0.1:$port" --db-path "$dir/data.ms" --dump-dir "$dir/dumps" --master-key "$key" \
    --no-analytics --env development >"$dir/meili.log" 2>&1 &
  MEILI_PID=$!; track "$MEILI_PID"
  wait_http "http://127.0.0.1:$port/health" 60
}

# node_init DIR ID PORT [ORGS.json]
node_init() {
  local dir=$1 id=$2 port=$3 orgs=${4:-}
  dotnet "$API_DLL" init --data "$dir" --node-id "$id" --name "Bench $id" --base-url "http://127.0.0.1:$port" --region "Nowhere" >"$dir.init.log"
  if [ -n "$orgs" ]; then dotnet "$API_DLL" import "$orgs" --data "$dir" >>"$dir.init.log"; fi
  dotnet "$API_DLL" token create --data "$dir" --role admin --name bench >"$dir.token"
}

# node_serve DIR PORT [NOTIFY_URL] → sets NODE_PID
node_serve() {
  local dir=$1 port=$2 notify=${3:-}
  if [ -n "$notify" ]; then
    Node__NotifyUrls__0="$notify" dotnet "$API_DLL" serve --data "$dir" --urls "http://127.0.0.1:$port" >"$dir.log" 2>&1 &
  else
    dotnet "$API_DLL" serve --data "$dir" --urls "http://127.0.0.1:$port" >"$dir.log" 2>&1 &
  fi
  NODE_PID=$!; track "$NODE_PID"
}

root_kid() { # base url
  curl -fsS "$1/atlas/v1/keyset" | python3 -c 'import sys,json,base64;p=json.load(sys.stdin)["payload"];print(json.loads(base64.urlsafe_b64decode(p+"="*(-len(p)%4)))["roots"][0]["kid"])'
}

machine_json() {
  python3 - "$ROOT" <<'PY'
import json, os, platform, subprocess, sys, datetime
root = sys.argv[1]
def sh(c):
    try: return subprocess.check_output(c, shell=True, text=True, stderr=subprocess.DEVNULL).strip()
    except Exception: return None
print(json.dumps({
  "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
  "commit": sh(f"git -C {root} rev-parse --short HEAD"),
  "cpus": os.cpu_count(), "cpu_model": sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
  "mem_total_mb": int(int(sh("awk '/MemTotal/ {print $2}' /proc/meminfo"))/1024),
  "loadavg_at_start": os.getloadavg(), "kernel": platform.release(),
  "dotnet": sh("dotnet --version"), "shared_machine": True,
}))
PY
}

# meili_from_cache FED DIR PORT → starts Meilisearch on a copy of the state indexer-sync.sh left in FED/synced
# (sets MEILI_PID, KEY); returns 1 when there is none.
meili_from_cache() {
  local fed=$1 dir=$2 port=$3
  [ -f "$fed/synced/key" ] || return 1
  mkdir -p "$dir"; cp -a "$fed/synced/data.ms" "$dir/"
  KEY=$(cat "$fed/synced/key")
  start_meili "$dir" "$port" "$KEY"
}

# Starts nginx on 127.0.0.1 with the bench's common settings (no access log, temp paths under BENCH_TMP) and the
# given lines inside http { } (server blocks, upstreams); sets NGINX_PID, tracked for the exit trap. Call it
# directly, not in $(...): a subshell would hold the pipe open and lose the tracking.
start_nginx() { # http-block-lines
  mkdir -p "$BENCH_TMP/nginx"; chmod a+rx "$BENCH_TMP"   # nginx workers run as an unprivileged user
  cat >"$BENCH_TMP/nginx/nginx.conf" <<NGX
daemon off;
worker_processes auto;
pid $BENCH_TMP/nginx/nginx.pid;
error_log $BENCH_TMP/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $BENCH_TMP/nginx/body; proxy_temp_path $BENCH_TMP/nginx/proxy;
  fastcgi_temp_path $BENCH_TMP/nginx/fcgi; uwsgi_temp_path $BENCH_TMP/nginx/uwsgi; scgi_temp_path $BENCH_TMP/nginx/scgi;
$1
}
NGX
  nginx -p "$BENCH_TMP/nginx" -e "$BENCH_TMP/nginx/error.log" -c "$BENCH_TMP/nginx/nginx.conf" &
  NGINX_PID=$!; track "$NGINX_PID"
}

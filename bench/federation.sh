# Sourced. Builds (or reuses from the cache) a federation of PEERS nodes holding TOTAL listings between
# them, serves every node, and fills NODE_URLS / NODE_DIRS / NODE_IDS. Node data is cached under
# $BENCH_CACHE (default .data/bench, gitignored) because importing 100k listings takes minutes.
# Cached nodes are served on the port they were created with (it is part of their signed base URL).
# federation_up TOTAL PEERS [NOTIFY_URL_FOR_NODE1]
BENCH_CACHE="${BENCH_CACHE:-$ROOT/.data/bench}"
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

federation_up() {
  local total=$1 peers=$2 notify=${3:-}
  local per=$((total / peers)) fed="$BENCH_CACHE/fed-$total-$peers"
  NODE_URLS=(); NODE_DIRS=(); NODE_IDS=(); NODE_PIDS=()
  if [ -f "$fed/ready" ]; then
    while read -r id port; do port_free "$port" || { log "cached port $port busy: rebuilding $fed"; rm -rf "$fed"; break; }; done <"$fed/nodes.txt"
  fi
  if [ ! -f "$fed/ready" ]; then
    rm -rf "$fed"; mkdir -p "$fed"
    log "creating federation: $peers node(s) x $per listings (cached in $fed)"
    local t0=$SECONDS
    for i in $(seq 1 "$peers"); do
      local id; id=$(printf 'bench%02d' "$i"); local port; port=$(free_port)
      python3 "$BENCH/gen-orgs.py" "$id" "$per" "$fed/$id.json"
      node_init "$fed/$id" "$id" "$port" "$fed/$id.json"
      rm -f "$fed/$id.json"
      echo "$id $port" >>"$fed/nodes.txt"
    done
    echo "$((SECONDS - t0))" >"$fed/setup-seconds"
    touch "$fed/ready"
  fi
  local i=0
  while read -r id port; do
    i=$((i + 1))
    local n=""; [ "$i" = 1 ] && n=$notify
    node_serve "$fed/$id" "$port" "$n"
    NODE_PIDS+=("$NODE_PID"); NODE_URLS+=("http://127.0.0.1:$port"); NODE_DIRS+=("$fed/$id"); NODE_IDS+=("$id")
  done <"$fed/nodes.txt"
  for u in "${NODE_URLS[@]}"; do wait_http "$u/.well-known/atlas-node" 180; done
  FED_DIR=$fed
}

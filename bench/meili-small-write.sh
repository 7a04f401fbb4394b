#!/usr/bin/env bash
# The fixed cost of a small write against Meilisearch's indexing memory (performance.md §14.1): a fresh Meilisearch per
# setting, an index with a filterable and a geo attribute, eight one-document additions 0.6 s apart; prints the task
# durations per setting. bench/meili-small-write.sh [SETTINGS…], each "default" or a --max-indexing-memory value
# (default: "default 1GiB 256MiB"). Takes ~30 s; results/meili-small-write.txt.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
MEILI=$(meili_bin)
new_tmp
# This bench compares the settings itself: none inherited from lib.sh.
unset MEILI_MAX_INDEXING_MEMORY MEILI_MAX_INDEXING_THREADS
OUT="$RESULTS/meili-small-write.txt"; : >"$OUT"
settings=("$@"); ((${#settings[@]})) || settings=(default 1GiB 256MiB)
for s in "${settings[@]}"; do
  port=$(free_port); key=k0123456789abcdef; dir="$BENCH_TMP/$s"; mkdir -p "$dir"
  extra=(); [ "$s" = default ] || extra=(--max-indexing-memory "$s")
  "$MEILI" --http-addr "127.0.0.1:$port" --db-path "$dir/data.ms" --master-key "$key" --no-analytics --env development \
    "${extra[@]}" >"$dir/meili.log" 2>&1 &
  pid=$!; track "$pid"
  wait_http "http://127.0.0.1:$port/health" 60
  H="Authorization: Bearer $key"; J='Content-Type: application/json'; base="http://127.0.0.1:$port"
  curl -s -XPOST "$base/indexes" -H "$H" -H "$J" -d '{"uid":"t","primaryKey":"id"}' >/dev/null
  curl -s -XPATCH "$base/indexes/t/settings" -H "$H" -H "$J" -d '{"filterableAttributes":["a","_geo"]}' >/dev/null
  sleep 1
  for i in $(seq 8); do
    curl -s -XPOST "$base/indexes/t/documents" -H "$H" -H "$J" \
      -d "[{\"id\":$i,\"a\":\"x$i\",\"text\":\"hello world $i\",\"_geo\":{\"lat\":1.0,\"lng\":2.0}}]" >/dev/null
    sleep 0.6
  done
  # Until the last addition has run (an uncapped batch can take ~2 s; bounded at 15 s).
  for _ in $(seq 75); do
    curl -s "$base/tasks?statuses=enqueued,processing&limit=1" -H "$H" | python3 -c 'import json,sys; sys.exit(1 if json.load(sys.stdin)["results"] else 0)' && break
    sleep 0.2
  done
  curl -s "$base/tasks?types=documentAdditionOrUpdate&limit=20" -H "$H" |
    python3 -c "import json,sys; print('$s', [t['duration'] for t in reversed(json.load(sys.stdin)['results'])])" | tee -a "$OUT"
  stop_pid "$pid"
done

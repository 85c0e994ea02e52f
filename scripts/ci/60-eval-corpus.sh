#!/usr/bin/env bash
# Gate on the corpus evaluation at the level reached, so it can only go up: exact syzkaller titles
# (direct, and through the whole pipeline as `triage` runs it: 496/498),
# "not a crash" logs kept silent, and every realworld hardware line and crash recognised.
# The corpus lives beside the repository (../shared/corpus), never inside it.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPUS="${POISONLINK_CORPUS:-$ROOT/../shared/corpus}"
if [[ ! -d "$CORPUS" ]]; then
  echo "[60-eval-corpus] ERROR: corpus not found at $CORPUS (set POISONLINK_CORPUS)" >&2
  exit 1
fi
cd "$ROOT"
npm run -s eval:corpus -- "$CORPUS" --min-exact-title 1.0 --min-silent 1.0 --min-pipeline-title 0.995 --require-realworld

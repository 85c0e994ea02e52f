#!/usr/bin/env bash
# Builds the same file layout as the Dockerfile's runtime stage, without Docker (which cannot run
# here), and starts the image's entrypoint from it: production dependencies only (npm ci
# --omit=dev), the compiled dist/, bin/, schemas/, samples/ and package.json under one /app-like
# folder. It catches a runtime import of a dev dependency or of a file the image does not copy.
#
# Usage: scripts/ops/image-smoke.sh [REV]      (default HEAD; work folder .cache/image-smoke,
#                                              removed on success)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WORK="$ROOT/.cache/image-smoke"
log() { printf '[image-smoke] %s\n' "$*"; }
die() {
  printf '[image-smoke] ERROR: %s\n' "$*" >&2
  exit 1
}

rm -rf "$WORK"
mkdir -p "$WORK/build" "$WORK/app"

# The committed tree (HEAD), as a `docker build` of a clean checkout sees it.
REV="${1:-HEAD}"
SRC="$WORK/src"
mkdir -p "$SRC"
git -C "$ROOT" archive "$REV" | tar -x -C "$SRC"
log "context: git archive $REV ($(git -C "$ROOT" rev-parse --short "$REV"))"

# build stage: npm ci && npm run build (node_modules linked from the repository to save the install)
log "build stage: tsc -p tsconfig.build.json"
cp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/tsconfig.json" "$SRC/tsconfig.build.json" "$WORK/build/"
cp -r "$SRC/src" "$SRC/bin" "$SRC/schemas" "$WORK/build/"
ln -s "$ROOT/node_modules" "$WORK/build/node_modules"
(cd "$WORK/build" && npx tsc -p tsconfig.build.json) || die "npm run build failed"

# deps stage: production dependencies only
log "deps stage: npm ci --omit=dev --ignore-scripts"
cp "$SRC/package.json" "$SRC/package-lock.json" "$WORK/app/"
(cd "$WORK/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) ||
  die "npm ci --omit=dev failed"

# runtime stage: the COPY lines of the Dockerfile
cp -r "$WORK/build/dist" "$WORK/app/dist"
cp -r "$SRC/bin" "$SRC/schemas" "$SRC/samples" "$WORK/app/"
for dev in typescript vitest tsx @biomejs/biome fast-check; do
  [[ ! -e "$WORK/app/node_modules/$dev" ]] || die "dev dependency $dev is in the production node_modules"
done

# the image's ENTRYPOINT with a command that loads the whole CLI and the pure stages
log "entrypoint: node --max-semi-space-size=64 app/bin/poisonlink.js triage samples/fleet.ndjson"
out="$(cd / && NODE_ENV=production node --max-semi-space-size=64 "$WORK/app/bin/poisonlink.js" \
  triage --json "$WORK/app/samples/fleet.ndjson" 2>&1)" || die "the entrypoint failed:
$out"
grep -q '"category":"HARDWARE"' <<<"$out" || die "triage printed no HARDWARE verdict:
$(head -c 2000 <<<"$out")"
log "entrypoint ran with production dependencies only: $(grep -c '"record_type":"crash"' <<<"$out") crash verdicts"
rm -rf "$WORK"
log "ok"

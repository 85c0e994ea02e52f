#!/usr/bin/env bash
# Installs the operations tools the chart checks and the Prometheus integration test need:
#   helm        built with `go install` from the Go module proxy   -> .cache/tools/bin/helm
#   kubeconform built with `go install` from the Go module proxy   -> .cache/tools/bin/kubeconform
#   prometheus + promtool from Debian's `prometheus` package       -> /usr/bin/prometheus, /usr/bin/promtool
#   Kubernetes API JSON schemas generated offline from the OpenAPI spec shipped in the k8s.io/kubernetes
#   Go module, plus the prometheus-operator CRD schemas             -> .cache/tools/kube-schemas/
# Idempotent: every step is skipped when its result is already cached.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/ops/versions.sh
source "$ROOT/scripts/ops/versions.sh"

log() { printf '[10-tools] %s\n' "$*"; }
die() {
  printf '[10-tools] ERROR: %s\n' "$*" >&2
  exit 1
}

mkdir -p "$TOOLS_BIN"

command -v go >/dev/null 2>&1 || die "the Go toolchain is needed to build helm and kubeconform (go install); it is not on PATH"

# go install writes the binary into GOBIN; the module cache keeps the sources for the next run.
go_tool() {
  local name="$1" pkg="$2" version="$3"
  local bin="$TOOLS_BIN/$name"
  # `go version -m` reads the module version built into the binary (go install sets no -ldflags,
  # so the tools' own version commands print "development" or a short version).
  local built=""
  [[ -x "$bin" ]] && built="$(go version -m "$bin" 2>/dev/null || true)"
  if grep -Eq "^[[:space:]]+mod[[:space:]]+[^[:space:]]+[[:space:]]+${version}[[:space:]]" <<<"$built"; then
    log "$name $version already built: $bin"
    return
  fi
  log "building $name $version: GOBIN=$TOOLS_BIN go install $pkg@$version (takes a few minutes the first time)"
  GOBIN="$TOOLS_BIN" GOFLAGS="${GOFLAGS:-} -buildvcs=false" go install "$pkg@$version" ||
    die "go install $pkg@$version failed (is the Go module proxy reachable?)"
  [[ -x "$bin" ]] || die "go install finished but $bin is missing"
  log "$name: $(go version -m "$bin" | sed -n 's/^[[:space:]]*mod[[:space:]]*//p' | head -1)"
}

go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION"

# Prometheus and promtool from Debian. The package's maintainer scripts would start the service
# (`invoke-rc.d prometheus start`); a policy-rc.d that answers 101 forbids that for this install only.
if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
  log "prometheus already installed: $(command -v prometheus) ($(prometheus --version 2>&1 | head -1))"
else
  command -v apt-get >/dev/null 2>&1 || die "prometheus/promtool are missing and apt-get is not available to install them"
  log "installing Debian package prometheus (binaries land in /usr/bin/prometheus and /usr/bin/promtool)"
  policy=/usr/sbin/policy-rc.d
  made_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    made_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  status=0
  { apt-get update && apt-get install -y --no-install-recommends prometheus; } || status=$?
  if [[ "$made_policy" == 1 ]]; then rm -f "$policy"; fi
  [[ "$status" == 0 ]] || die "apt-get install prometheus failed (exit $status)"
  command -v promtool >/dev/null 2>&1 || die "package prometheus installed but promtool is not on PATH"
  log "installed: $(prometheus --version 2>&1 | head -1)"
fi
# If some init system started the packaged service anyway, it is not ours to keep running;
# the integration test starts its own prometheus on a free port.

# Kubernetes API schemas for kubeconform, offline. kubeconform normally downloads them from GitHub,
# which is not reachable here; the Kubernetes OpenAPI spec ships inside the k8s.io/kubernetes Go
# module (api/openapi-spec/swagger.json) and the prometheus-operator CRDs inside its root module.
if [[ -f "$SCHEMA_DIR/.complete-$K8S_SCHEMA_VERSION-$PROM_OPERATOR_VERSION" ]]; then
  log "Kubernetes schemas already generated: $SCHEMA_DIR"
else
  log "downloading k8s.io/kubernetes@$K8S_SCHEMA_VERSION (for its OpenAPI spec) from the Go module proxy"
  k8s_dir="$(go mod download -json "k8s.io/kubernetes@$K8S_SCHEMA_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -f "$k8s_dir/api/openapi-spec/swagger.json" ]] ||
    die "k8s.io/kubernetes@$K8S_SCHEMA_VERSION has no api/openapi-spec/swagger.json (dir: '$k8s_dir')"
  log "downloading github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION (for its CRDs)"
  po_dir="$(go mod download -json "github.com/prometheus-operator/prometheus-operator@$PROM_OPERATOR_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  crd_dir="$po_dir/example/prometheus-operator-crd"
  [[ -d "$crd_dir" ]] || die "prometheus-operator@$PROM_OPERATOR_VERSION has no $crd_dir"
  [[ -f "$ROOT/node_modules/tsx/package.json" ]] ||
    die "node_modules is missing (tsx, yaml): run 'npm ci' before this script"
  rm -rf "$SCHEMA_DIR"
  log "generating JSON schemas into $SCHEMA_DIR"
  node --import tsx "$ROOT/scripts/ops/kube-schemas.ts" \
    --swagger "$k8s_dir/api/openapi-spec/swagger.json" \
    --crd "$crd_dir/monitoring.coreos.com_servicemonitors.yaml" \
    --crd "$crd_dir/monitoring.coreos.com_prometheusrules.yaml" \
    --out "$SCHEMA_DIR"
  touch "$SCHEMA_DIR/.complete-$K8S_SCHEMA_VERSION-$PROM_OPERATOR_VERSION"
fi

log "tools ready in $TOOLS_BIN"

# shellcheck shell=bash disable=SC2034
# Pinned versions and cache paths of the operations tools (sourced by scripts/ci/10-tools.sh and
# scripts/ci/20-helm.sh). Expects ROOT to be the repository root.
HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
# Kubernetes release whose OpenAPI spec the rendered manifests are validated against.
K8S_SCHEMA_VERSION=v1.34.3
# prometheus-operator release whose ServiceMonitor / PrometheusRule CRDs are validated against.
PROM_OPERATOR_VERSION=v0.85.0

TOOLS_DIR="$ROOT/.cache/tools"
TOOLS_BIN="$TOOLS_DIR/bin"
SCHEMA_DIR="$TOOLS_DIR/kube-schemas"
export PATH="$TOOLS_BIN:$PATH"

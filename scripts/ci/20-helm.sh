#!/usr/bin/env bash
# Checks the Helm chart and the alert rules with the real tools that scripts/ci/10-tools.sh installs:
#   helm lint --strict, helm template (defaults and every option on), kubeconform -strict on every
#   rendered manifest (Kubernetes and prometheus-operator CRD schemas generated offline), a negative
#   kubeconform check (the schemas really reject an unknown field), promtool check rules and
#   promtool test rules, the rules rendered into the PrometheusRule checked too, the config checksum
#   rolling the pods, values.schema.json / template checks rejecting wrong values with their
#   message, and the Dockerfile's runtime layout started without Docker (scripts/ops/image-smoke.sh).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/ops/versions.sh
source "$ROOT/scripts/ops/versions.sh"
CHART="$ROOT/helm/poisonlink"
OUT="$ROOT/.cache/ci/helm"
KUBE_VERSION="${K8S_SCHEMA_VERSION#v}"

log() { printf '[20-helm] %s\n' "$*"; }
die() {
  printf '[20-helm] ERROR: %s\n' "$*" >&2
  exit 1
}

for tool in helm kubeconform promtool; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found: run scripts/ci/10-tools.sh first"
done
[[ -f "$SCHEMA_DIR/deployment-apps-v1.json" ]] ||
  die "Kubernetes JSON schemas missing in $SCHEMA_DIR: run scripts/ci/10-tools.sh first"
[[ -f "$ROOT/node_modules/yaml/package.json" ]] || die "node_modules is missing (yaml): run 'npm ci' first"

rm -rf "$OUT"
mkdir -p "$OUT/negative"

# helm's default Kubernetes version comes from build flags that `go install` does not set (it would
# claim 1.20); render for the release the schemas are generated from.
HELM_ARGS=(--kube-version "$KUBE_VERSION")
KUBECONFORM=(kubeconform -strict -summary -output text
  -schema-location "$SCHEMA_DIR/{{ .ResourceKind }}{{ .KindSuffix }}.json")

# --- lint and render ---------------------------------------------------------------------------------
log "helm lint --strict (default values)"
helm lint --strict "$CHART" "${HELM_ARGS[@]}"
for values in "$CHART"/ci/*.yaml; do
  log "helm lint --strict -f ${values#"$ROOT"/}"
  helm lint --strict "$CHART" "${HELM_ARGS[@]}" -f "$values"
done

log "helm template (default values) -> ${OUT#"$ROOT"/}/default.yaml"
helm template poisonlink "$CHART" "${HELM_ARGS[@]}" --namespace fleet >"$OUT/default.yaml"
for values in "$CHART"/ci/*.yaml; do
  name="$(basename "$values" .yaml)"
  log "helm template -f ${values#"$ROOT"/} -> ${OUT#"$ROOT"/}/$name.yaml"
  helm template poisonlink "$CHART" "${HELM_ARGS[@]}" --namespace fleet -f "$values" >"$OUT/$name.yaml"
done

# --- what every option on must produce ------------------------------------------------------------------
ALL_ON="$OUT/all-on-values.yaml"
[[ -f "$ALL_ON" ]] || die "helm/poisonlink/ci/all-on-values.yaml is missing"
for kind in Deployment ConfigMap Service ServiceAccount ServiceMonitor PrometheusRule PodDisruptionBudget Job; do
  grep -q "^kind: $kind$" "$ALL_ON" || die "the all-on render has no $kind"
done
grep -q 'grafana_dashboard: "1"' "$ALL_ON" || die "the dashboard ConfigMap lacks the grafana_dashboard label"
grep -q 'release: "monitoring"' "$ALL_ON" || die "ServiceMonitor/PrometheusRule lack the release label"
for kind in ServiceMonitor PrometheusRule Job; do
  if grep -q "^kind: $kind$" "$OUT/default.yaml"; then die "$kind must be off by default"; fi
done
log "all-on render has every resource; defaults leave ServiceMonitor, PrometheusRule and Job off"

# --- Kubernetes API schemas ----------------------------------------------------------------------------
log "kubeconform -strict (Kubernetes $KUBE_VERSION, prometheus-operator $PROM_OPERATOR_VERSION CRDs)"
"${KUBECONFORM[@]}" "$OUT"/*.yaml

# The check must be able to fail: an unknown field and a wrong type are rejected.
sed -e 's/^\(\s*\)imagePullPolicy:/\1imagePullPolicyy:/' -e 's/^\(\s*\)replicas: \([0-9]*\)$/\1replicas: "\2"/' \
  "$ALL_ON" >"$OUT/negative/manifests.yaml"
if "${KUBECONFORM[@]}" "$OUT/negative/manifests.yaml" >"$OUT/negative.log" 2>&1; then
  cat "$OUT/negative.log"
  die "kubeconform accepted a manifest with an unknown field: the schemas are not strict"
fi
if ! grep -q "additional properties 'imagePullPolicyy' not allowed" "$OUT/negative.log" ||
  ! grep -q "at '/spec/replicas': got string, want" "$OUT/negative.log"; then
  die "kubeconform failed the broken manifest for another reason: $(cat "$OUT/negative.log")"
fi
log "kubeconform rejects an unknown field and a wrong type (negative check)"

# --- alert rules -----------------------------------------------------------------------------------------
log "promtool check rules helm/poisonlink/alerts/poisonlink-rules.yaml"
promtool check rules "$CHART/alerts/poisonlink-rules.yaml"
log "promtool test rules helm/poisonlink/alerts/tests/*.yaml"
promtool test rules "$CHART"/alerts/tests/*.yaml

# Every alert needs a unit test.
alerts="$(sed -n 's/^[[:space:]]*- alert: \([A-Za-z0-9_]*\).*/\1/p' "$CHART/alerts/poisonlink-rules.yaml" | sort -u)"
[[ -n "$alerts" ]] || die "no alerts found in poisonlink-rules.yaml"
for alert in $alerts; do
  grep -q "alertname: $alert\$" "$CHART"/alerts/tests/*.yaml || die "alert $alert has no promtool unit test"
done
log "every alert has a unit test: $(echo "$alerts" | tr '\n' ' ')"

# The PrometheusRule must carry the same rules: extract its groups and check them again.
node --input-type=module -e '
  import { readFileSync, writeFileSync } from "node:fs";
  import { parseAllDocuments } from "yaml";
  const docs = parseAllDocuments(readFileSync(process.argv[1], "utf8")).map((d) => d.toJSON());
  const rule = docs.find((d) => d && d.kind === "PrometheusRule");
  if (!rule) { console.error("no PrometheusRule in the render"); process.exit(1); }
  writeFileSync(process.argv[2], JSON.stringify({ groups: rule.spec.groups }));
' "$ALL_ON" "$OUT/prometheusrule-groups.json"
log "promtool check rules on the groups rendered into the PrometheusRule"
promtool check rules "$OUT/prometheusrule-groups.json"

# --- config changes roll the pods ---------------------------------------------------------------------
checksum() { helm template poisonlink "$CHART" "${HELM_ARGS[@]}" "$@" | sed -n 's/^ *checksum\/config: //p' | head -1; }
c1="$(checksum)"
c2="$(checksum --set config.log.level=debug)"
c3="$(checksum --set 'knownIssues[0].id=X' --set 'knownIssues[0].title=WARNING in x' --set 'knownIssues[0].url=u')"
[[ -n "$c1" && "$c1" != "$c2" && "$c1" != "$c3" ]] ||
  die "checksum/config does not change with the config ($c1 / $c2 / $c3)"
log "checksum/config changes when config or known issues change"

# --- wrong values fail rendering with a clear message ------------------------------------------------
# expect_fail "MESSAGE FRAGMENT" helm-args...: helm template must fail and say MESSAGE FRAGMENT.
expect_fail() {
  local want="$1" err
  shift
  if err="$(helm template poisonlink "$CHART" "${HELM_ARGS[@]}" "$@" 2>&1 >/dev/null)"; then
    die "helm template $* succeeded; expected a failure saying: $want"
  fi
  grep -qF -- "$want" <<<"$err" || die "helm template $* failed without saying '$want'; it said: $err"
  log "rejected as expected: $* -> $want"
}
expect_fail "replicaCount (13) must not exceed partitions (12)" --set replicaCount=13
expect_fail "at '/config/log/level': value must be one of" --set config.log.level=verbose
expect_fail "at '/config/http/port': maximum" --set config.http.port=70000
expect_fail "at '/partitions': got string, want integer" --set-string partitions=many
expect_fail "at '/config/correlation/horizonMs': got string, want integer" --set-string config.correlation.horizonMs=3d
expect_fail "at '/config/kafka/sasl': additional properties 'password' not allowed" --set config.kafka.sasl.password=hunter2
expect_fail "at '': additional properties 'replicas' not allowed" --set replicas=3
expect_fail "at '/config/http': missing property 'port'" --set config.http.port=null
expect_fail "at '/image': missing property 'repository'" --set image.repository=null
expect_fail "at '/config/input/format': value must be one of 'avro', 'ndjson', 'journald'" --set config.input.format=xml
expect_fail "at '/replicaCount': minimum" --set replicaCount=-1
expect_fail "at '/config/kafka/brokers/0': 'kafka' does not match pattern" --set 'config.kafka.brokers={kafka}'
expect_fail "missing property 'title'" --set 'knownIssues[0].id=X' --set 'knownIssues[0].url=u'
expect_fail "at '/backfill/from': '' does not match pattern" --set backfill.enabled=true
expect_fail "set secrets.sasl.existingSecret" --set config.kafka.sasl.mechanism=plain --set config.kafka.sasl.username=u
expect_fail "terminationGracePeriodSeconds (20 s) must be longer than config.shutdown.timeoutMs" \
  --set terminationGracePeriodSeconds=20
expect_fail "backfill.from (2026-11-02T00:00:00Z) must be before backfill.to" --set backfill.enabled=true \
  --set backfill.from=2026-11-02T00:00:00Z --set backfill.to=2026-11-01T00:00:00Z --set backfill.outputTopic=t
expect_fail "secrets.tls.existingSecret is set but config.kafka.ssl.enabled is false" \
  --set secrets.tls.existingSecret=kafka-tls
expect_fail "the chart mounts them at /etc/poisonlink/known-issues.yaml" --set config.knownIssues.file=/data/rules.yaml \
  --set 'knownIssues[0].id=X' --set 'knownIssues[0].title=WARNING in x' --set 'knownIssues[0].url=u'
expect_fail "backfill.outputTopic must differ from config.topics.verdicts" --set backfill.enabled=true \
  --set backfill.from=2026-11-01T00:00:00Z --set backfill.to=2026-11-02T00:00:00Z \
  --set backfill.outputTopic=poisonlink.verdicts

# --- the image the chart runs -----------------------------------------------------------------------
# Docker cannot run here: build the Dockerfile's runtime layout (production dependencies only) and
# start its entrypoint on the sample fleet.
log "image layout check: scripts/ops/image-smoke.sh"
"$ROOT/scripts/ops/image-smoke.sh"

log "chart checks passed"

{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "poisonlink.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name. */}}
{{- define "poisonlink.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "poisonlink.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "poisonlink.selectorLabels" -}}
app.kubernetes.io/name: {{ include "poisonlink.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "poisonlink.labels" -}}
helm.sh/chart: {{ include "poisonlink.chart" . }}
{{ include "poisonlink.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: poisonlink
{{- end }}

{{- define "poisonlink.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "poisonlink.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "poisonlink.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Paths inside the container. Secrets are not nested under the ConfigMap mount: a read-only
     configMap volume cannot hold the mount points of other volumes. */}}
{{- define "poisonlink.configDir" -}}/etc/poisonlink{{- end }}
{{- define "poisonlink.saslDir" -}}/etc/poisonlink-secrets/sasl{{- end }}
{{- define "poisonlink.tlsDir" -}}/etc/poisonlink-secrets/tls{{- end }}

{{/*
Cross-field checks the JSON schema cannot express clearly; each fails rendering with the reason.
*/}}
{{- define "poisonlink.validate" -}}
{{- $v := .Values }}
{{- if gt (int $v.replicaCount) (int $v.partitions) }}
{{- fail (printf "replicaCount (%d) must not exceed partitions (%d): records are keyed by host, so an input partition is owned by one instance and replicas beyond the partition count would sit idle. Raise partitions only if the input topic really has more partitions." (int $v.replicaCount) (int $v.partitions)) }}
{{- end }}
{{- $shutdownMs := int $v.config.shutdown.timeoutMs }}
{{- if le (mul (int $v.terminationGracePeriodSeconds) 1000) $shutdownMs }}
{{- fail (printf "terminationGracePeriodSeconds (%d s) must be longer than config.shutdown.timeoutMs (%d ms), or Kubernetes kills the pod before it commits its last transaction." (int $v.terminationGracePeriodSeconds) $shutdownMs) }}
{{- end }}
{{- $mech := $v.config.kafka.sasl.mechanism | default "none" }}
{{- if and (ne $mech "none") (not $v.secrets.sasl.existingSecret) (not $v.config.kafka.sasl.passwordFile) }}
{{- fail (printf "config.kafka.sasl.mechanism is %s: set secrets.sasl.existingSecret (a Secret holding the password under secrets.sasl.passwordKey) so the password is mounted as a file." $mech) }}
{{- end }}
{{- if and (ne $mech "none") (not $v.config.kafka.sasl.username) }}
{{- fail (printf "config.kafka.sasl.mechanism is %s: config.kafka.sasl.username is required." $mech) }}
{{- end }}
{{- if and $v.secrets.sasl.existingSecret (eq $mech "none") }}
{{- fail "secrets.sasl.existingSecret is set but config.kafka.sasl.mechanism is none: choose plain, scram-sha-256 or scram-sha-512, or remove the secret." }}
{{- end }}
{{- if and $v.secrets.tls.existingSecret (not $v.config.kafka.ssl.enabled) }}
{{- fail "secrets.tls.existingSecret is set but config.kafka.ssl.enabled is false: enable TLS or remove the secret." }}
{{- end }}
{{- if and $v.secrets.tls.existingSecret (ne (empty $v.secrets.tls.certKey) (empty $v.secrets.tls.keyKey)) }}
{{- fail "secrets.tls.certKey and secrets.tls.keyKey go together (mutual TLS needs both the client certificate and its key): set both or neither." }}
{{- end }}
{{- $knownIssuesFile := printf "%s/known-issues.yaml" (include "poisonlink.configDir" .) }}
{{- if and $v.knownIssues (ne ($v.config.knownIssues.file | default "") $knownIssuesFile) }}
{{- fail (printf "knownIssues holds rules but config.knownIssues.file is %q: the chart mounts them at %s, so set config.knownIssues.file to that path." ($v.config.knownIssues.file | default "") $knownIssuesFile) }}
{{- end }}
{{- if $v.backfill.enabled }}
{{- if not (and $v.backfill.from $v.backfill.to) }}
{{- fail "backfill.enabled is true: backfill.from and backfill.to (RFC 3339 timestamps) are required." }}
{{- end }}
{{- if not $v.backfill.outputTopic }}
{{- fail "backfill.enabled is true: backfill.outputTopic is required (replay never writes into the live verdicts topic by accident)." }}
{{- end }}
{{- if eq $v.backfill.outputTopic $v.config.topics.verdicts }}
{{- fail (printf "backfill.outputTopic must differ from config.topics.verdicts (%s): a backfill writes beside the live verdicts, never into them." $v.config.topics.verdicts) }}
{{- end }}
{{- if ge (mustToDate "2006-01-02T15:04:05Z07:00" $v.backfill.from).Unix (mustToDate "2006-01-02T15:04:05Z07:00" $v.backfill.to).Unix }}
{{- fail (printf "backfill.from (%s) must be before backfill.to (%s)." $v.backfill.from $v.backfill.to) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Environment shared by the processor and the backfill Job: secret file paths. */}}
{{- define "poisonlink.secretEnv" -}}
{{- if .Values.secrets.sasl.existingSecret }}
- name: POISONLINK_KAFKA_SASL_PASSWORD_FILE
  value: {{ printf "%s/%s" (include "poisonlink.saslDir" .) .Values.secrets.sasl.passwordKey | quote }}
{{- end }}
{{- with .Values.secrets.tls }}
{{- if .existingSecret }}
{{- if .caKey }}
- name: POISONLINK_KAFKA_SSL_CA_FILE
  value: {{ printf "%s/%s" (include "poisonlink.tlsDir" $) .caKey | quote }}
{{- end }}
{{- if .certKey }}
- name: POISONLINK_KAFKA_SSL_CERT_FILE
  value: {{ printf "%s/%s" (include "poisonlink.tlsDir" $) .certKey | quote }}
- name: POISONLINK_KAFKA_SSL_KEY_FILE
  value: {{ printf "%s/%s" (include "poisonlink.tlsDir" $) .keyKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "poisonlink.volumeMounts" -}}
- name: config
  mountPath: {{ include "poisonlink.configDir" . }}
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.secrets.sasl.existingSecret }}
- name: sasl
  mountPath: {{ include "poisonlink.saslDir" . }}
  readOnly: true
{{- end }}
{{- if .Values.secrets.tls.existingSecret }}
- name: tls
  mountPath: {{ include "poisonlink.tlsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "poisonlink.volumes" -}}
- name: config
  configMap:
    name: {{ include "poisonlink.fullname" . }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- with .Values.secrets.sasl }}
{{- if .existingSecret }}
- name: sasl
  secret:
    secretName: {{ .existingSecret }}
    defaultMode: 0440
    items:
      - key: {{ .passwordKey }}
        path: {{ .passwordKey }}
{{- end }}
{{- end }}
{{- with .Values.secrets.tls }}
{{- if .existingSecret }}
- name: tls
  secret:
    secretName: {{ .existingSecret }}
    defaultMode: 0440
    items:
      {{- range (list .caKey .certKey .keyKey) }}
      {{- if . }}
      - key: {{ . }}
        path: {{ . }}
      {{- end }}
      {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "poisonlink.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "poisonlink.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

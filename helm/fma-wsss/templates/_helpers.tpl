{{/*
Chart name, truncated to the 63 characters DNS names allow.
*/}}
{{- define "fma-wsss.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name: release-chart, or the release name alone when it already contains the
chart name.
*/}}
{{- define "fma-wsss.fullname" -}}
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

{{/*
Chart label value: name-version.
*/}}
{{- define "fma-wsss.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "fma-wsss.labels" -}}
helm.sh/chart: {{ include "fma-wsss.chart" . }}
{{ include "fma-wsss.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/component: server
app.kubernetes.io/part-of: fma-wsss
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels (immutable once deployed).
*/}}
{{- define "fma-wsss.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fma-wsss.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Image reference; the tag defaults to <appVersion>-<variant>.
*/}}
{{- define "fma-wsss.image" -}}
{{- $tag := .Values.image.tag | default (printf "%s-%s" .Chart.AppVersion .Values.image.variant) }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}

{{/*
Name of the Secret holding the admin token ("" when the admin API is disabled).
*/}}
{{- define "fma-wsss.adminTokenSecretName" -}}
{{- if .Values.adminToken.existingSecret }}
{{- .Values.adminToken.existingSecret }}
{{- else if .Values.adminToken.value }}
{{- printf "%s-admin-token" (include "fma-wsss.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Claim name of a persistence entry. Call with (dict "root" $ "name" "state" "p" .Values.persistence.state).
*/}}
{{- define "fma-wsss.claimName" -}}
{{- if .p.existingClaim }}
{{- .p.existingClaim }}
{{- else }}
{{- printf "%s-%s" (include "fma-wsss.fullname" .root) .name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/*
Data roots passed as FMA_DATA_ROOTS.
*/}}
{{- define "fma-wsss.dataRoots" -}}
{{- .Values.config.dataRoots | default .Values.persistence.data.mountPath }}
{{- end }}

{{/*
Labels of the seed Job and its pods. They leave out app.kubernetes.io/name on purpose: the
Service, the Deployment and the PodDisruptionBudget select name + instance, and seed pods (which
serve no HTTP) must never match them.
*/}}
{{- define "fma-wsss.seedJobLabels" -}}
helm.sh/chart: {{ include "fma-wsss.chart" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/component: seed-job
app.kubernetes.io/part-of: fma-wsss
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Run id of the seed Job: seedJob.runId, or the first 10 hex digits of a hash of the seedJob values.
*/}}
{{- define "fma-wsss.seedRunId" -}}
{{- $runId := .Values.seedJob.runId | default (toJson .Values.seedJob | sha256sum | trunc 10) | toString }}
{{- if not (regexMatch "^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$" $runId) }}
{{- fail (printf "seedJob.runId %q must be 1-20 lower-case letters, digits and '-', starting and ending with a letter or digit" $runId) }}
{{- end }}
{{- $runId }}
{{- end }}

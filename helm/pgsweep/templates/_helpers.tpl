{{/* vim: set filetype=mustache: */}}
{{/*
Expand the name of the chart.
*/}}
{{- define "pgsweep.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "pgsweep.fullname" -}}
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
The CronJob name. The CronJob controller appends an 11-character suffix ("-" and the scheduled
time in minutes) to name each Job, and a Job name must fit a 63-character label value, so the API
server rejects CronJob names longer than 52 characters.
*/}}
{{- define "pgsweep.cronJobName" -}}
{{- include "pgsweep.fullname" . | trunc 52 | trimSuffix "-" }}
{{- end }}

{{/*
Prefix for Jobs started by hand from the CronJob (NOTES.txt): "<prefix>-manual-<10-digit epoch>"
must also fit in 63 characters.
*/}}
{{- define "pgsweep.manualJobPrefix" -}}
{{- include "pgsweep.cronJobName" . | trunc 45 | trimSuffix "-" }}
{{- end }}

{{/*
Namespace to set on the resources.
*/}}
{{- define "pgsweep.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "pgsweep.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels.
*/}}
{{- define "pgsweep.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pgsweep.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "pgsweep.labels" -}}
helm.sh/chart: {{ include "pgsweep.chart" . }}
{{ include "pgsweep.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/component: sweeper
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
The name of the service account to use.
*/}}
{{- define "pgsweep.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pgsweep.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The container image: a digest, when set, pins it; the tag defaults to the chart's appVersion.
*/}}
{{- define "pgsweep.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Where credentials and certificates are mounted in the container. */}}
{{- define "pgsweep.authDir" -}}/etc/pgsweep/auth{{- end }}
{{- define "pgsweep.caDir" -}}/etc/pgsweep/tls/ca{{- end }}
{{- define "pgsweep.clientCertDir" -}}/etc/pgsweep/tls/client{{- end }}

{{/*
Checks on combinations of values that the JSON schema cannot express clearly.
*/}}
{{- define "pgsweep.validate" -}}
{{- $tls := .Values.pushgateway.tls }}
{{- if and $tls.ca.existingSecret $tls.ca.existingConfigMap }}
{{- fail "pushgateway.tls.ca: set existingSecret or existingConfigMap, not both" }}
{{- end }}
{{- if and $tls.insecureSkipVerify (or $tls.ca.existingSecret $tls.ca.existingConfigMap) }}
{{- fail "pushgateway.tls: insecureSkipVerify ignores the CA you configured; set only one of them" }}
{{- end }}
{{- $auth := .Values.pushgateway.auth }}
{{- if and (not $auth.existingSecret) (ne $auth.type "basic") }}
{{- fail "pushgateway.auth.type is set but pushgateway.auth.existingSecret is empty: name the Secret that holds the credentials" }}
{{- end }}
{{- end }}

{{/*
The command line passed to pgsweep (the image's entrypoint). Every value is a single
--flag=value item, so no value can be mistaken for a flag.
*/}}
{{- define "pgsweep.args" -}}
{{- $url := required "pushgateway.url is required: the Pushgateway base URL including any route prefix, e.g. --set pushgateway.url=http://pushgateway-prometheus-pushgateway:9091" .Values.pushgateway.url }}
- {{ printf "--url=%s" $url | toJson }}
- {{ printf "--ttl=%s" .Values.sweep.ttl | toJson }}
{{- with .Values.pushgateway.timeout }}
- {{ printf "--timeout=%s" . | toJson }}
{{- end }}
{{- with .Values.sweep.logLevel }}
- {{ printf "--log-level=%s" . | toJson }}
{{- end }}
{{- with .Values.sweep.output }}
- {{ printf "--output=%s" . | toJson }}
{{- end }}
{{- with .Values.sweep.listing }}
- {{ printf "--listing=%s" . | toJson }}
{{- end }}
{{- if not (kindIs "invalid" .Values.sweep.concurrency) }}
- {{ printf "--concurrency=%d" (int64 .Values.sweep.concurrency) | toJson }}
{{- end }}
{{- if .Values.sweep.dryRun }}
- "--dry-run"
{{- end }}
{{- range .Values.sweep.selectors }}
- {{ printf "--selector=%s" . | toJson }}
{{- end }}
{{- range .Values.sweep.excludes }}
- {{ printf "--exclude=%s" . | toJson }}
{{- end }}
{{- range .Values.sweep.rules }}
{{- $retention := "" }}
{{- if not (kindIs "invalid" .keep) }}{{ $retention = printf ",keep=%d" (int64 .keep) }}{{ end }}
{{- with .per }}{{ $retention = printf "%s,per=%s" $retention (join "," .) }}{{ end }}
- {{ printf "--rule=%s=%s%s" .selector .ttl $retention | toJson }}
{{- end }}
{{- if not (kindIs "invalid" .Values.sweep.keepLatest) }}
- {{ printf "--keep-latest=%d" (int64 .Values.sweep.keepLatest) | toJson }}
{{- end }}
{{- with .Values.sweep.per }}
- {{ printf "--per=%s" (join "," .) | toJson }}
{{- end }}
{{- if .Values.sweep.ignoreDeclaredTtl }}
- "--ignore-declared-ttl"
{{- end }}
{{- if not (kindIs "invalid" .Values.sweep.maxDeletes) }}
- {{ printf "--max-deletes=%d" (int64 .Values.sweep.maxDeletes) | toJson }}
{{- end }}
{{- if not (kindIs "invalid" .Values.sweep.maxDeleteRatio) }}
- {{ printf "--max-delete-ratio=%v" .Values.sweep.maxDeleteRatio | toJson }}
{{- end }}
{{- $auth := .Values.pushgateway.auth }}
{{- if $auth.existingSecret }}
{{- if eq $auth.type "bearer" }}
- {{ printf "--bearer-token-file=%s/%s" (include "pgsweep.authDir" .) $auth.tokenKey | toJson }}
{{- else }}
- {{ printf "--password-file=%s/%s" (include "pgsweep.authDir" .) $auth.passwordKey | toJson }}
{{- end }}
{{- end }}
{{- range $name, $value := .Values.pushgateway.headers }}
- {{ printf "--header=%s: %s" $name $value | toJson }}
{{- end }}
{{- $tls := .Values.pushgateway.tls }}
{{- if or $tls.ca.existingSecret $tls.ca.existingConfigMap }}
- {{ printf "--ca-file=%s/%s" (include "pgsweep.caDir" .) $tls.ca.key | toJson }}
{{- end }}
{{- if $tls.clientCert.existingSecret }}
- {{ printf "--cert-file=%s/%s" (include "pgsweep.clientCertDir" .) $tls.clientCert.certKey | toJson }}
- {{ printf "--key-file=%s/%s" (include "pgsweep.clientCertDir" .) $tls.clientCert.keyKey | toJson }}
{{- end }}
{{- if $tls.insecureSkipVerify }}
- "--insecure-skip-verify"
{{- end }}
{{- if .Values.selfMetrics.enabled }}
- "--push-metrics"
{{- /* A stable instance: pgsweep's default, the host name, is a new pod name every run. */}}
- {{ printf "--instance=%s" (.Values.selfMetrics.instance | default .Release.Name) | toJson }}
{{- end }}
{{- range .Values.sweep.extraArgs }}
- {{ . | toJson }}
{{- end }}
{{- end }}

{{/*
Environment: the basic-auth username (from the Secret, never from values) and extraEnv.
*/}}
{{- define "pgsweep.env" -}}
{{- $auth := .Values.pushgateway.auth }}
{{- if and $auth.existingSecret (eq $auth.type "basic") }}
- name: PGSWEEP_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $auth.existingSecret | quote }}
      key: {{ $auth.usernameKey | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Volumes: only the keys pgsweep reads are projected from each Secret or ConfigMap, read-only and
readable by the pod's fsGroup.
*/}}
{{- define "pgsweep.volumes" -}}
{{- $auth := .Values.pushgateway.auth }}
{{- if $auth.existingSecret }}
- name: auth
  secret:
    secretName: {{ $auth.existingSecret | quote }}
    defaultMode: 288 # 0440: owner and the pod's fsGroup
    items:
      - key: {{ ternary $auth.tokenKey $auth.passwordKey (eq $auth.type "bearer") | quote }}
        path: {{ ternary $auth.tokenKey $auth.passwordKey (eq $auth.type "bearer") | quote }}
{{- end }}
{{- $tls := .Values.pushgateway.tls }}
{{- if $tls.ca.existingSecret }}
- name: tls-ca
  secret:
    secretName: {{ $tls.ca.existingSecret | quote }}
    defaultMode: 292 # 0444
    items:
      - key: {{ $tls.ca.key | quote }}
        path: {{ $tls.ca.key | quote }}
{{- else if $tls.ca.existingConfigMap }}
- name: tls-ca
  configMap:
    name: {{ $tls.ca.existingConfigMap | quote }}
    defaultMode: 292 # 0444
    items:
      - key: {{ $tls.ca.key | quote }}
        path: {{ $tls.ca.key | quote }}
{{- end }}
{{- if $tls.clientCert.existingSecret }}
- name: tls-client
  secret:
    secretName: {{ $tls.clientCert.existingSecret | quote }}
    defaultMode: 288 # 0440: owner and the pod's fsGroup
    items:
      - key: {{ $tls.clientCert.certKey | quote }}
        path: {{ $tls.clientCert.certKey | quote }}
      - key: {{ $tls.clientCert.keyKey | quote }}
        path: {{ $tls.clientCert.keyKey | quote }}
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "pgsweep.volumeMounts" -}}
{{- if .Values.pushgateway.auth.existingSecret }}
- name: auth
  mountPath: {{ include "pgsweep.authDir" . }}
  readOnly: true
{{- end }}
{{- $tls := .Values.pushgateway.tls }}
{{- if or $tls.ca.existingSecret $tls.ca.existingConfigMap }}
- name: tls-ca
  mountPath: {{ include "pgsweep.caDir" . }}
  readOnly: true
{{- end }}
{{- if $tls.clientCert.existingSecret }}
- name: tls-client
  mountPath: {{ include "pgsweep.clientCertDir" . }}
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

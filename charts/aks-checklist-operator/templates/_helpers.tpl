{{/*
Names and labels shared by every template. With the release named like the chart (the
documented install), every object is named exactly as in manifests/base.
*/}}

{{- define "aks-checklist-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "aks-checklist-operator.fullname" -}}
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

{{- define "aks-checklist-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The two labels every selector uses; never change them on an installed release. */}}
{{- define "aks-checklist-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "aks-checklist-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "aks-checklist-operator.labels" -}}
{{ include "aks-checklist-operator.selectorLabels" . }}
helm.sh/chart: {{ include "aks-checklist-operator.chart" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "aks-checklist-operator.serviceAccountName" -}}
{{- default (include "aks-checklist-operator.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "aks-checklist-operator.peeringName" -}}
{{- default (include "aks-checklist-operator.fullname" .) .Values.peering.name }}
{{- end }}

{{/* repository:tag, or repository@digest when a digest is given (it wins over the tag). */}}
{{- define "aks-checklist-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The label the operator puts on everything it creates, and the guard checks for. */}}
{{- define "aks-checklist-operator.managedBy" -}}
aks-checklist-operator
{{- end }}

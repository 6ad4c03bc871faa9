{{- define "elt-worker.name" -}}
elt-worker
{{- end }}

{{- define "elt-worker.labels" -}}
app.kubernetes.io/name: {{ include "elt-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: elt
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
elt/env: {{ .Values.env }}
cost-center: data-platform
{{- end }}

{{- define "elt-worker.selectorLabels" -}}
app.kubernetes.io/name: {{ include "elt-worker.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- /* What both containers share: the API from the Secret, the template mount, limits and the security context. */}}
{{- define "elt-worker.container" -}}
env:
  - name: PREFECT_API_URL
    valueFrom:
      secretKeyRef: {name: {{ .Values.apiSecret.name }}, key: {{ .Values.apiSecret.urlKey }}}
  - name: PREFECT_API_KEY
    valueFrom:
      secretKeyRef: {name: {{ .Values.apiSecret.name }}, key: {{ .Values.apiSecret.keyKey }}, optional: true}
  {{- with .Values.prefect.uiUrl }}
  - name: PREFECT_UI_URL
    value: {{ . | quote }}
  {{- end }}
  - name: PREFECT_HOME
    value: /tmp/prefect
  - name: PREFECT_WORKER_WEBSERVER_PORT
    value: {{ .Values.healthcheck.port | quote }}
  - name: PREFECT_KUBERNETES_CLUSTER_UID
    value: {{ .Values.env | quote }}
resources:
  {{- toYaml .Values.resources | nindent 2 }}
securityContext:
  runAsNonRoot: true
  readOnlyRootFilesystem: true
  allowPrivilegeEscalation: false
  privileged: false
  capabilities:
    drop: ["ALL"]
volumeMounts:
  - name: base-job-template
    mountPath: /etc/elt
    readOnly: true
  - name: tmp
    mountPath: /tmp
{{- end }}

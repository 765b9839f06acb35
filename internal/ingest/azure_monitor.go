package ingest

import (
	"encoding/json"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// azureMessage is an Azure Monitor action group webhook in the common alert schema.
type azureMessage struct {
	SchemaID string `json:"schemaId"`
	Data     *struct {
		Essentials       *azureEssentials `json:"essentials"`
		CustomProperties map[string]any   `json:"customProperties"`
	} `json:"data"`
}

type azureEssentials struct {
	AlertID            string          `json:"alertId"`
	AlertRule          string          `json:"alertRule"`
	Severity           string          `json:"severity"` // Sev0 .. Sev4
	SignalType         string          `json:"signalType"`
	MonitorCondition   string          `json:"monitorCondition"` // Fired, Resolved
	MonitoringService  string          `json:"monitoringService"`
	AlertTargetIDs     []string        `json:"alertTargetIDs"`
	ConfigurationItems []string        `json:"configurationItems"`
	OriginAlertID      string          `json:"originAlertId"`
	FiredDateTime      json.RawMessage `json:"firedDateTime"`
	ResolvedDateTime   json.RawMessage `json:"resolvedDateTime"`
	Description        string          `json:"description"`
}

var azureConditions = statusTable{
	"fired":    signal.StatusFiring,
	"resolved": signal.StatusResolved,
}

// azureSeverities maps Sev0 (critical) to Sev4 (verbose).
var azureSeverities = map[string]signal.Severity{
	"sev0": signal.SeverityCritical, "sev1": signal.SeverityError,
	"sev2": signal.SeverityWarning, "sev3": signal.SeverityInfo, "sev4": signal.SeverityInfo,
}

// DecodeAzureMonitor decodes an Azure Monitor alert in the common alert schema. The
// alert's ARM id (essentials.alertId) is the native id and the identity: Azure keeps it
// from Fired to Resolved. Bodies in the older per-service schemas are refused with a
// message that says to enable the common schema on the action group.
func DecodeAzureMonitor(req *Request) ([]signal.Signal, error) {
	var m azureMessage
	if err := decodeBody("azure monitor alert", req.Body, &m); err != nil {
		return nil, err
	}
	if m.SchemaID != "azureMonitorCommonAlertSchema" || m.Data == nil ||
		m.Data.Essentials == nil {
		return nil, Errorf("decoding azure monitor alert: not the common alert schema " +
			"(schemaId azureMonitorCommonAlertSchema); enable it on the action group's webhook")
	}
	e := m.Data.Essentials
	fp, err := signal.Identity("azure-monitor", e.AlertID)
	if err != nil {
		return nil, Errorf("field data.essentials.alertId is missing")
	}
	fired, err := ParseTimeJSON("data.essentials.firedDateTime", e.FiredDateTime, nil)
	if err != nil {
		return nil, err
	}
	resolved, err := ParseTimeJSON("data.essentials.resolvedDateTime", e.ResolvedDateTime,
		nil)
	if err != nil {
		return nil, err
	}

	status := azureConditions.of(e.MonitorCondition)
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: e.AlertID, Fingerprint: fp, Name: e.AlertRule,
		Summary: e.Description, Severity: azureSeverities[lower(e.Severity)],
		Status: status, RawStatus: e.MonitorCondition, StartsAt: fired, EndsAt: resolved,
		EventTime: transitionTime(status, fired, resolved, req),
		Labels:    azureLabels(e, m.Data.CustomProperties),
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	s.Service = signal.ServiceFromLabels(s.Labels)
	if s.Service == "" && len(e.ConfigurationItems) > 0 {
		s.Service = e.ConfigurationItems[0]
	}
	return []signal.Signal{s}, nil
}

func azureLabels(e *azureEssentials, custom map[string]any) map[string]string {
	var labels map[string]string
	for k, v := range custom {
		labels = putLabel(labels, k, scalarString(v))
	}
	labels = putLabel(labels, "signal_type", e.SignalType)
	labels = putLabel(labels, "monitoring_service", e.MonitoringService)
	labels = putLabel(labels, "target", strings.Join(e.AlertTargetIDs, ","))
	labels = putLabel(labels, "configuration_items", strings.Join(e.ConfigurationItems, ","))
	labels = putLabel(labels, "origin_alert_id", e.OriginAlertID)
	return labels
}

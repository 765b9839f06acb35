package ingest

import (
	"encoding/json"
	"strconv"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// gcpMessage is a Google Cloud Monitoring webhook notification (schema version 1.2).
type gcpMessage struct {
	Version  string       `json:"version"`
	Incident *gcpIncident `json:"incident"`
}

type gcpIncident struct {
	IncidentID       string          `json:"incident_id"`
	ScopingProjectID string          `json:"scoping_project_id"`
	State            string          `json:"state"` // open, closed, acknowledged
	StartedAt        json.RawMessage `json:"started_at"`
	EndedAt          json.RawMessage `json:"ended_at"`
	PolicyName       string          `json:"policy_name"`
	ConditionName    string          `json:"condition_name"`
	Summary          string          `json:"summary"`
	Severity         string          `json:"severity"`
	URL              string          `json:"url"`
	ObservedValue    flexString      `json:"observed_value"`
	ThresholdValue   flexString      `json:"threshold_value"`
	ResourceName     string          `json:"resource_name"`
	Resource         *struct {
		Type   string            `json:"type"`
		Labels map[string]string `json:"labels"`
	} `json:"resource"`
	Metric *struct {
		Type   string            `json:"type"`
		Labels map[string]string `json:"labels"`
	} `json:"metric"`
	Metadata *struct {
		SystemLabels map[string]string `json:"system_labels"`
		UserLabels   map[string]string `json:"user_labels"`
	} `json:"metadata"`
	PolicyUserLabels map[string]string `json:"policy_user_labels"`
}

var gcpStates = statusTable{
	"open":         signal.StatusFiring,
	"closed":       signal.StatusResolved,
	"acknowledged": signal.StatusAcknowledged,
}

// DecodeGCPMonitoring decodes a Cloud Monitoring webhook. incident_id is the native id and,
// scoped by the project, the identity: it stays the same from open to closed. The event
// time is started_at for an open incident and ended_at for a closed one (epoch seconds).
func DecodeGCPMonitoring(req *Request) ([]signal.Signal, error) {
	var m gcpMessage
	if err := decodeBody("gcp monitoring notification", req.Body, &m); err != nil {
		return nil, err
	}
	in := m.Incident
	if in == nil || in.IncidentID == "" {
		return nil, Errorf("decoding gcp monitoring notification: field " +
			"incident.incident_id is missing")
	}
	fp, err := signal.Identity("gcp-monitoring", in.ScopingProjectID, in.IncidentID)
	if err != nil {
		return nil, err
	}
	started, err := ParseTimeJSON("incident.started_at", in.StartedAt, nil)
	if err != nil {
		return nil, err
	}
	ended, err := ParseTimeJSON("incident.ended_at", in.EndedAt, nil)
	if err != nil {
		return nil, err
	}

	status := gcpStates.of(in.State)
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: in.IncidentID, Fingerprint: fp,
		Name: firstNonEmpty(in.PolicyName, in.ConditionName), Summary: in.Summary,
		Severity: MapSeverity(in.Severity), Status: status, RawStatus: in.State,
		StartsAt: started, EndsAt: ended, Labels: gcpLabels(in),
		EventTime:   transitionTime(status, started, ended, req),
		Annotations: map[string]string{},
	}
	if status == signal.StatusAcknowledged {
		s.EventTime = receivedAt(req)
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	if v, err := strconv.ParseFloat(string(in.ObservedValue), 64); err == nil {
		s.Value = v
	}
	s.Annotations = putLabel(s.Annotations, "url", in.URL)
	s.Annotations = putLabel(s.Annotations, "threshold", string(in.ThresholdValue))
	s.Service = signal.ServiceFromLabels(s.Labels)
	return []signal.Signal{s}, nil
}

// gcpLabels merges resource, metric, metadata and policy labels, most specific last.
func gcpLabels(in *gcpIncident) map[string]string {
	var labels map[string]string
	merge := func(m map[string]string) {
		for k, v := range m {
			labels = putLabel(labels, k, v)
		}
	}
	if in.Resource != nil {
		merge(in.Resource.Labels)
		labels = putLabel(labels, "resource_type", in.Resource.Type)
	}
	if in.Metric != nil {
		merge(in.Metric.Labels)
		labels = putLabel(labels, "metric_type", in.Metric.Type)
	}
	if in.Metadata != nil {
		merge(in.Metadata.SystemLabels)
		merge(in.Metadata.UserLabels)
	}
	merge(in.PolicyUserLabels)
	labels = putLabel(labels, "condition", in.ConditionName)
	labels = putLabel(labels, "project", in.ScopingProjectID)
	return labels
}

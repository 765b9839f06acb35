package ingest

import (
	"encoding/json"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ogMessage is an Opsgenie outgoing webhook delivery: one alert action.
type ogMessage struct {
	Action          string   `json:"action"`
	Alert           *ogAlert `json:"alert"`
	IntegrationID   string   `json:"integrationId"`
	IntegrationName string   `json:"integrationName"`
}

type ogAlert struct {
	AlertID      string          `json:"alertId"`
	Alias        string          `json:"alias"`
	TinyID       flexString      `json:"tinyId"`
	Message      string          `json:"message"`
	Description  string          `json:"description"`
	Entity       string          `json:"entity"`
	Source       string          `json:"source"`
	Priority     string          `json:"priority"`
	Status       string          `json:"status"`       // open, closed (when sent)
	Acknowledged *bool           `json:"acknowledged"` // when sent
	Tags         []string        `json:"tags"`
	Teams        []string        `json:"teams"`
	Details      map[string]any  `json:"details"`
	CreatedAt    json.RawMessage `json:"createdAt"` // epoch ms
	UpdatedAt    json.RawMessage `json:"updatedAt"` // epoch ns, 19 digits
}

// ogActions are the actions that change an alert's state.
var ogActions = statusTable{
	"create":         signal.StatusFiring,
	"unacknowledge":  signal.StatusFiring,
	"acknowledge":    signal.StatusAcknowledged,
	"close":          signal.StatusResolved,
	"delete":         signal.StatusResolved,
	"escalatetonext": signal.StatusFiring,
}

// DecodeOpsgenie decodes an Opsgenie webhook. The alertId is the native id; identity is the
// alias, Opsgenie's own de-duplication key (which defaults to the alert id). Create and
// UnAcknowledge fire, Acknowledge acknowledges, Close and Delete resolve. Other actions
// (AddNote, AssignOwnership, ...) change no state: they take the alert's status and
// acknowledged fields when Opsgenie sends them, and are stored as unknown otherwise, so a
// note on a closed alert never reopens it.
func DecodeOpsgenie(req *Request) ([]signal.Signal, error) {
	var m ogMessage
	if err := decodeBody("opsgenie webhook", req.Body, &m); err != nil {
		return nil, err
	}
	a := m.Alert
	if a == nil {
		return nil, Errorf("decoding opsgenie webhook: field alert is missing")
	}
	if m.Action == "" {
		return nil, Errorf("decoding opsgenie webhook: field action is missing")
	}
	fp, err := signal.Identity("opsgenie", firstNonEmpty(a.Alias, a.AlertID))
	if err != nil {
		return nil, Errorf("opsgenie alert has neither alias nor alertId")
	}
	created, err := ParseTimeJSON("alert.createdAt", a.CreatedAt, nil)
	if err != nil {
		return nil, err
	}
	updated, err := ParseTimeJSON("alert.updatedAt", a.UpdatedAt, nil)
	if err != nil {
		return nil, err
	}

	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: a.AlertID, Fingerprint: fp,
		Name: strings.TrimSpace(a.Message), Summary: firstNonEmpty(a.Description, a.Message),
		Severity: MapSeverity(a.Priority), Status: ogStatus(m.Action, a),
		RawStatus: m.Action, StartsAt: created, EventTime: updated,
		Labels: ogLabels(a, m.IntegrationName),
	}
	if s.EventTime.IsZero() {
		s.EventTime = receivedAt(req)
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	if s.Status == signal.StatusResolved {
		s.EndsAt = s.EventTime
	}
	s.Service = firstNonEmpty(signal.ServiceFromLabels(s.Labels), a.Entity)
	return []signal.Signal{s}, nil
}

func ogStatus(action string, a *ogAlert) signal.Status {
	if st := ogActions.of(action); st != signal.StatusUnknown {
		return st
	}
	switch {
	case lower(a.Status) == "closed":
		return signal.StatusResolved
	case a.Acknowledged != nil && *a.Acknowledged:
		return signal.StatusAcknowledged
	case lower(a.Status) == "open":
		return signal.StatusFiring
	}
	return signal.StatusUnknown
}

// ogLabels collects details, tags ("k:v" or bare) and teams as labels.
func ogLabels(a *ogAlert, integration string) map[string]string {
	var labels map[string]string
	for k, v := range a.Details {
		labels = putLabel(labels, k, scalarString(v))
	}
	for _, t := range a.Tags {
		if k, v, ok := strings.Cut(t, ":"); ok {
			labels = putLabel(labels, k, v)
		} else {
			labels = putLabel(labels, "tag_"+t, "true")
		}
	}
	labels = putLabel(labels, "teams", strings.Join(a.Teams, ","))
	labels = putLabel(labels, "entity", a.Entity)
	labels = putLabel(labels, "tiny_id", string(a.TinyID))
	labels = putLabel(labels, "integration", integration)
	return labels
}

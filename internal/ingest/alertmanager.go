package ingest

import (
	"bytes"
	"encoding/json"

	"github.com/prometheus/alertmanager/template"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// amMessage is the Alertmanager webhook body (version 4): template.Data plus the fields the
// webhook notifier adds around it.
type amMessage struct {
	*template.Data
	Version         string `json:"version"`
	GroupKey        string `json:"groupKey"`
	TruncatedAlerts uint64 `json:"truncatedAlerts"`
}

// amTimes are the time fields of an Alertmanager alert.
var amTimes = []string{"startsAt", "endsAt"}

// DecodeAlertmanager decodes an Alertmanager webhook. The alert's fingerprint is kept
// verbatim as its native id; an endsAt of 0001-01-01T00:00:00Z (Go's zero time) means unset.
//
// Limits: when truncatedAlerts > 0 the alerts Alertmanager dropped are simply absent; their
// absence is not read as a resolve.
func DecodeAlertmanager(req *Request) ([]signal.Signal, error) {
	var msg amMessage
	if err := strictJSON(req.Body, &msg); err != nil {
		return nil, Errorf("decoding alertmanager webhook: %v",
			timeFieldError(err, req.Body, amTimes))
	}
	if msg.Data == nil || msg.Version == "" {
		return nil, Errorf("decoding alertmanager webhook: missing version and alerts")
	}
	if msg.Version != "4" {
		return nil, Errorf("alertmanager webhook version %q not supported; want \"4\"", msg.Version)
	}

	out := make([]signal.Signal, 0, len(msg.Alerts))
	for i, a := range msg.Alerts {
		s, err := amAlert(req, a, msg.GroupKey)
		if err != nil {
			return nil, Errorf("alerts[%d]: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func amAlert(req *Request, a template.Alert, groupKey string) (signal.Signal, error) {
	fp := a.Fingerprint
	var id string
	var err error
	if fp != "" {
		id, err = signal.Identity("alertmanager", fp)
	} else {
		id, err = signal.LabelsIdentity("alertmanager", a.Labels)
	}
	if err != nil {
		return signal.Signal{}, Errorf("alert has neither fingerprint nor labels")
	}
	if a.StartsAt.IsZero() {
		return signal.Signal{}, Errorf("field startsAt is missing")
	}

	s := signal.Signal{
		Kind:        signal.KindAlert,
		NativeID:    fp,
		Fingerprint: id,
		Name:        a.Labels["alertname"],
		Service:     signal.ServiceFromLabels(a.Labels),
		Summary:     firstNonEmpty(a.Annotations["summary"], a.Annotations["description"]),
		Severity:    MapSeverity(a.Labels["severity"]),
		RawStatus:   a.Status,
		Group:       groupKey,
		StartsAt:    a.StartsAt.UTC(),
		Labels:      a.Labels,
		Annotations: a.Annotations,
	}
	if !a.EndsAt.IsZero() {
		s.EndsAt = a.EndsAt.UTC()
	}

	switch a.Status {
	case "firing":
		s.Status, s.EventTime = signal.StatusFiring, s.StartsAt
	case "resolved":
		s.Status, s.EventTime = signal.StatusResolved, s.EndsAt
		if s.EventTime.IsZero() {
			s.EventTime = receivedAt(req)
		}
	default:
		s.Status, s.EventTime = signal.StatusUnknown, s.StartsAt
	}
	return s, nil
}

// MapSeverity maps the severity words sources commonly use onto the normalized scale.
func MapSeverity(v string) signal.Severity {
	switch lower(v) {
	case "critical", "crit", "disaster", "fatal", "page", "p1", "sev1", "emergency", "alert":
		return signal.SeverityCritical
	case "error", "high", "major", "err", "p2", "sev2":
		return signal.SeverityError
	case "warning", "warn", "average", "medium", "minor", "p3", "sev3":
		return signal.SeverityWarning
	case "info", "information", "informational", "low", "notice", "debug", "p4", "p5", "ok":
		return signal.SeverityInfo
	}
	return signal.SeverityNone
}

// strictJSON decodes one JSON value, rejecting unknown trailing data.
func strictJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return Errorf("trailing data after JSON value")
	}
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

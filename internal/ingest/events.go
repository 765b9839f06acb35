package ingest

import (
	"bytes"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Event is the generic JSON signal accepted at /api/v1/ingest/events, for tools without a
// source of their own. The body is one Event object or an array of them.
type Event struct {
	ID          string            `json:"id"`   // the sender's stable id for this alert
	Kind        string            `json:"kind"` // alert (default), anomaly, logpattern, forecast
	Name        string            `json:"name"`
	Service     string            `json:"service"`
	Summary     string            `json:"summary"`
	Severity    string            `json:"severity"`
	Status      string            `json:"status"` // firing (default), resolved, acknowledged
	StartsAt    *time.Time        `json:"starts_at"`
	EndsAt      *time.Time        `json:"ends_at"`
	Time        *time.Time        `json:"time"` // time of this observation; default starts_at
	Group       string            `json:"group"`
	Value       *float64          `json:"value"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

// DecodeEvents decodes generic JSON signals. Identity is the sender's id when present,
// otherwise the label set plus name and service; a signal with none of these is rejected.
func DecodeEvents(req *Request) ([]signal.Signal, error) {
	var evs []Event
	body := bytes.TrimSpace(req.Body)
	if len(body) > 0 && body[0] == '{' {
		evs = make([]Event, 1)
		if err := strictJSON(body, &evs[0]); err != nil {
			return nil, Errorf("decoding event: %v", err)
		}
	} else if err := strictJSON(body, &evs); err != nil {
		return nil, Errorf("decoding events: %v", err)
	}
	if len(evs) == 0 {
		return nil, Errorf("decoding events: no event in body")
	}

	out := make([]signal.Signal, 0, len(evs))
	for i, e := range evs {
		s, err := e.signal()
		if err != nil {
			return nil, Errorf("events[%d]: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (e Event) signal() (signal.Signal, error) {
	kind, err := eventKind(e.Kind)
	if err != nil {
		return signal.Signal{}, err
	}
	status, err := eventStatus(e.Status)
	if err != nil {
		return signal.Signal{}, err
	}
	if e.StartsAt == nil && e.Time == nil {
		return signal.Signal{}, Errorf("field starts_at or time is required")
	}

	s := signal.Signal{
		Kind: kind, NativeID: e.ID, Name: e.Name, Summary: e.Summary,
		Severity: MapSeverity(e.Severity), Status: status, RawStatus: e.Status,
		Group: e.Group, Labels: e.Labels, Annotations: e.Annotations,
		Service: firstNonEmpty(e.Service, signal.ServiceFromLabels(e.Labels)),
	}
	s.Fingerprint, err = eventIdentity(e)
	if err != nil {
		return signal.Signal{}, err
	}
	setTimes(&s, e.StartsAt, e.EndsAt, e.Time)
	if e.Value != nil {
		s.Value = *e.Value
	}
	return s, nil
}

func eventIdentity(e Event) (string, error) {
	if e.ID != "" {
		return signal.Identity("events", "id", e.ID)
	}
	parts := map[string]string{"__name": e.Name, "__service": e.Service}
	for k, v := range e.Labels {
		parts[k] = v
	}
	id, err := signal.LabelsIdentity("events", parts)
	if err != nil {
		return "", Errorf("event has no id, name, service or labels to identify it")
	}
	return id, nil
}

// setTimes fills start, end and event time; the event time defaults to the end for a
// resolve and to the start otherwise.
func setTimes(s *signal.Signal, starts, ends, at *time.Time) {
	if starts != nil {
		s.StartsAt = starts.UTC()
	}
	if ends != nil {
		s.EndsAt = ends.UTC()
	}
	switch {
	case at != nil:
		s.EventTime = at.UTC()
	case s.Status == signal.StatusResolved && !s.EndsAt.IsZero():
		s.EventTime = s.EndsAt
	default:
		s.EventTime = s.StartsAt
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
}

func eventKind(k string) (signal.Kind, error) {
	switch signal.Kind(k) {
	case "":
		return signal.KindAlert, nil
	case signal.KindAlert, signal.KindAnomaly, signal.KindLogPattern, signal.KindForecast:
		return signal.Kind(k), nil
	case signal.KindChange:
		return "", Errorf("field kind: send changes to /api/v1/ingest/changes")
	}
	return "", Errorf("field kind: unknown kind %q", k)
}

func eventStatus(v string) (signal.Status, error) {
	switch lower(v) {
	case "", "firing", "problem", "triggered", "open":
		return signal.StatusFiring, nil
	case "resolved", "ok", "closed", "recovered":
		return signal.StatusResolved, nil
	case "acknowledged":
		return signal.StatusAcknowledged, nil
	}
	return "", Errorf("field status: unknown status %q", v)
}

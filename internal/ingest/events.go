package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
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
			return nil, Errorf("decoding event: %v", timeFieldError(err, body, eventTimes))
		}
	} else if err := strictJSON(body, &evs); err != nil {
		return nil, Errorf("decoding events: %v", timeFieldError(err, body, eventTimes))
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

// eventTimes are the time fields of an Event.
var eventTimes = []string{"starts_at", "ends_at", "time"}

// timeFieldError names the field behind a JSON decoding error of a time.Time, which
// encoding/json reports without it ("parsing time "x" as ..."). It looks for the first of
// the named fields, at any depth, whose value is neither null nor an RFC 3339 string, and
// prefixes its path; other errors are returned unchanged.
func timeFieldError(err error, body []byte, fields []string) error {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return err
	}
	if path := badTimePath(v, "", fields); path != "" {
		return fmt.Errorf("field %s: %w", path, err)
	}
	return err
}

// badTimePath walks a decoded JSON value, objects in key order, for a named time field
// that time.Time would refuse, and returns its path ("alerts[0].startsAt").
func badTimePath(v any, path string, fields []string) string {
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			if p := badTimePath(e, fmt.Sprintf("%s[%d]", path, i), fields); p != "" {
				return p
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			if isTimeField(k, fields) && !validJSONTime(x[k]) {
				return p
			}
			if q := badTimePath(x[k], p, fields); q != "" {
				return q
			}
		}
	}
	return ""
}

func isTimeField(k string, fields []string) bool {
	for _, f := range fields {
		if k == f {
			return true
		}
	}
	return false
}

// validJSONTime reports whether time.Time's JSON decoding takes v: null or RFC 3339.
func validJSONTime(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	if !ok {
		return false
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

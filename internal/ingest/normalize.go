package ingest

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// This file holds what the vendor decoders share: lenient scalar types, status tables and
// the fallback event time.

// flexString is a JSON scalar read as text: sources send the same id as a string in one
// version and a number in another. Numbers keep their exact digits; null is "".
type flexString string

// UnmarshalJSON accepts a string, a number, a boolean or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '{' || b[0] == '[':
		return Errorf("expected a string or number, got %s", clip(string(b), 20))
	default:
		*f = flexString(b)
	}
	return nil
}

// statusTable maps a source's lower-cased status words to statuses. A word not in the
// table is StatusUnknown: stored and flagged, never taken as firing.
type statusTable map[string]signal.Status

// of maps one raw status word.
func (t statusTable) of(raw string) signal.Status {
	if s, ok := t[lower(raw)]; ok {
		return s
	}
	return signal.StatusUnknown
}

// receivedAt is the event time for deliveries that carry none: when the handler took the
// request.
func receivedAt(req *Request) time.Time {
	if req.Received.IsZero() {
		return time.Now().UTC()
	}
	return req.Received
}

// location is the configured zone of the source, as a 400 when the name is bad.
func location(req *Request) (*time.Location, error) {
	return req.Config.Location()
}

// decodeBody decodes one JSON value from a delivery, naming the source in the error.
func decodeBody(what string, body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return Errorf("decoding %s: empty body", what)
	}
	if err := strictJSON(body, v); err != nil {
		return Errorf("decoding %s: %v", what, err)
	}
	return nil
}

// byEventTime orders signals by their source's time so that a batch delivered out of
// order is stored in the order it happened.
func byEventTime(sigs []signal.Signal) {
	sort.SliceStable(sigs, func(i, j int) bool {
		return sigs[i].EventTime.Before(sigs[j].EventTime)
	})
}

// putLabel sets k=v when v is non-empty, creating the map on first use.
func putLabel(m map[string]string, k, v string) map[string]string {
	v = strings.TrimSpace(v)
	if v == "" || k == "" {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// scalarString renders a decoded JSON scalar as label text; objects and arrays give "".
func scalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

// newChange builds a change signal. A change is evidence, never an incident of its own:
// like /api/v1/ingest/changes it is a point event with status resolved, its start, end
// and event time all the source's time of this observation; its progress is in
// Change.State (in_progress, success, failure, ...).
func newChange(nativeID, fp, name, service string, at time.Time, c signal.Change) signal.Signal {
	if c.Type == "" {
		c.Type = "deploy"
	}
	return signal.Signal{
		Kind: signal.KindChange, NativeID: nativeID, Fingerprint: fp, Name: name,
		Service: service, Severity: signal.SeverityInfo, Status: signal.StatusResolved,
		RawStatus: c.State, StartsAt: at, EndsAt: at, EventTime: at, Change: &c,
	}
}

// changeStates maps the progress words of CI/CD tools onto Change.State.
var changeStates = map[string]string{
	"success": "success", "succeeded": "success", "healthy": "success",
	"failure": "failure", "failed": "failure", "error": "failure",
	"pending": "in_progress", "queued": "in_progress", "in_progress": "in_progress",
	"running": "in_progress", "progressing": "in_progress", "terminating": "in_progress",
	"waiting": "in_progress", "inactive": "inactive", "degraded": "degraded",
}

// changeState maps a tool's progress word; an unknown word is kept, lower-cased.
func changeState(raw string) string {
	if s, ok := changeStates[lower(raw)]; ok {
		return s
	}
	return lower(raw)
}

// shortSHA is the first 7 characters of a commit id, for names.
func shortSHA(sha string) string {
	if len(sha) > 7 {
		return sha[:7]
	}
	return sha
}

package ingest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ceEvent is one CloudEvent (spec 1.0) after decoding from any mode: context attributes,
// extension attributes as text, and the data when it is JSON.
type ceEvent struct {
	attrs map[string]string
	data  json.RawMessage
}

// ceStatuses maps the status a producer states in a "status" extension or data field.
var ceStatuses = statusTable{
	"firing":       signal.StatusFiring,
	"triggered":    signal.StatusFiring,
	"open":         signal.StatusFiring,
	"problem":      signal.StatusFiring,
	"resolved":     signal.StatusResolved,
	"closed":       signal.StatusResolved,
	"ok":           signal.StatusResolved,
	"acknowledged": signal.StatusAcknowledged,
}

// DecodeCloudEvents decodes CloudEvents over HTTP in structured mode
// (application/cloudevents+json), batch mode (application/cloudevents-batch+json, a JSON
// array) and binary mode (attributes in ce- headers, the body is the data). The event id
// is the native id. Identity is source and subject when a subject is set, so a producer
// can fire and resolve the same thing with different event ids, else source and id.
// CloudEvents define no alert semantics: status, severity and service are read from
// extension attributes of those names or from the same fields of JSON data; an event that
// states no status is stored as unknown.
func DecodeCloudEvents(req *Request) ([]signal.Signal, error) {
	evs, err := ceDecode(req)
	if err != nil {
		return nil, err
	}
	loc, err := location(req)
	if err != nil {
		return nil, err
	}
	out := make([]signal.Signal, 0, len(evs))
	for i, e := range evs {
		s, err := e.signal(req, loc)
		if err != nil {
			return nil, Errorf("events[%d]: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func ceDecode(req *Request) ([]ceEvent, error) {
	h := http.Header(req.Header)
	media, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	switch {
	case h.Get("Ce-Specversion") != "":
		return []ceEvent{ceBinary(h, req.Body)}, nil
	case media == "application/cloudevents-batch+json" ||
		bytes.HasPrefix(bytes.TrimSpace(req.Body), []byte("[")):
		var raws []json.RawMessage
		if err := decodeBody("cloudevents batch", req.Body, &raws); err != nil {
			return nil, err
		}
		if len(raws) == 0 {
			return nil, Errorf("decoding cloudevents batch: empty array")
		}
		evs := make([]ceEvent, len(raws))
		for i, r := range raws {
			e, err := ceStructured(r)
			if err != nil {
				return nil, Errorf("events[%d]: %v", i, err)
			}
			evs[i] = e
		}
		return evs, nil
	}
	e, err := ceStructured(req.Body)
	if err != nil {
		return nil, err
	}
	return []ceEvent{e}, nil
}

// ceStructured decodes one event in the JSON format; data_base64 is kept out of data.
func ceStructured(body []byte) (ceEvent, error) {
	var m map[string]json.RawMessage
	if err := decodeBody("cloudevent", body, &m); err != nil {
		return ceEvent{}, err
	}
	e := ceEvent{attrs: map[string]string{}, data: m["data"]}
	for k, v := range m {
		if k == "data" || k == "data_base64" {
			continue
		}
		var s flexString
		if json.Unmarshal(v, &s) == nil {
			e.attrs[k] = string(s)
		}
	}
	return e, nil
}

// ceBinary reads attributes from ce- headers (percent-encoded per the HTTP binding).
func ceBinary(h http.Header, body []byte) ceEvent {
	e := ceEvent{attrs: map[string]string{}}
	for k, vs := range h {
		name, ok := strings.CutPrefix(strings.ToLower(k), "ce-")
		if !ok || len(vs) == 0 {
			continue
		}
		v, err := url.PathUnescape(vs[0])
		if err != nil {
			v = vs[0]
		}
		e.attrs[name] = v
	}
	if ct := h.Get("Content-Type"); ct != "" {
		e.attrs["datacontenttype"] = ct
	}
	if json.Valid(body) {
		e.data = body
	}
	return e
}

func (e ceEvent) signal(req *Request, loc *time.Location) (signal.Signal, error) {
	a := e.attrs
	for _, k := range []string{"specversion", "id", "source", "type"} {
		if a[k] == "" {
			return signal.Signal{}, Errorf("cloudevent attribute %s is missing", k)
		}
	}
	if !strings.HasPrefix(a["specversion"], "1.") {
		return signal.Signal{}, Errorf("cloudevent specversion %q not supported; want 1.x",
			a["specversion"])
	}
	at, err := ParseTime("time", a["time"], loc)
	if err != nil {
		return signal.Signal{}, err
	}
	fp, err := ceIdentity(a)
	if err != nil {
		return signal.Signal{}, err
	}

	data := ceDataFields(e.data)
	raw := firstNonEmpty(a["status"], data["status"])
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: a["id"], Fingerprint: fp,
		Name: firstNonEmpty(a["subject"], a["type"]), Status: ceStatuses.of(raw),
		RawStatus: raw, Severity: MapSeverity(firstNonEmpty(a["severity"], data["severity"])),
		Service:  firstNonEmpty(a["service"], data["service"]),
		Summary:  firstNonEmpty(data["summary"], data["message"]),
		StartsAt: at, EventTime: at, Labels: ceLabels(a),
	}
	if s.EventTime.IsZero() {
		s.EventTime, s.StartsAt = receivedAt(req), receivedAt(req)
	}
	if s.Status == signal.StatusResolved {
		s.EndsAt = s.EventTime
	}
	return s, nil
}

func ceIdentity(a map[string]string) (string, error) {
	if a["subject"] != "" {
		return signal.Identity("cloudevents", a["source"], "subject", a["subject"])
	}
	return signal.Identity("cloudevents", a["source"], "id", a["id"])
}

// ceLabels keeps type, source and extension attributes (all but the core ones) as labels.
func ceLabels(a map[string]string) map[string]string {
	core := map[string]bool{"specversion": true, "id": true, "time": true, "subject": true,
		"datacontenttype": true, "dataschema": true, "status": true, "severity": true}
	var labels map[string]string
	for k, v := range a {
		if !core[k] {
			labels = putLabel(labels, k, v)
		}
	}
	return labels
}

// ceDataFields reads the top-level scalar fields of JSON object data.
func ceDataFields(data json.RawMessage) map[string]string {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return map[string]string{}
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = scalarString(v)
	}
	return out
}

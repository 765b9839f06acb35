package ingest

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// pdEvent is one PagerDuty Events API v2 event (POST /v2/enqueue).
type pdEvent struct {
	RoutingKey  string     `json:"routing_key"`
	EventAction string     `json:"event_action"`
	DedupKey    string     `json:"dedup_key"`
	Payload     *pdPayload `json:"payload"`
	Client      string     `json:"client"`
	ClientURL   string     `json:"client_url"`
}

type pdPayload struct {
	Summary       string          `json:"summary"`
	Source        string          `json:"source"`
	Severity      string          `json:"severity"`
	Timestamp     json.RawMessage `json:"timestamp"`
	Component     string          `json:"component"`
	Group         string          `json:"group"`
	Class         string          `json:"class"`
	CustomDetails json.RawMessage `json:"custom_details"`
}

var pdActions = statusTable{
	"trigger":     signal.StatusFiring,
	"acknowledge": signal.StatusAcknowledged,
	"resolve":     signal.StatusResolved,
}

// DecodePagerDuty decodes a PagerDuty Events API v2 event, or a JSON array of them, as sent
// by any tool configured with a PagerDuty integration. The dedup_key is the native id;
// identity is the routing key (hashed: it is a secret and never stored) with the dedup
// key, since PagerDuty scopes dedup keys per integration. A trigger without a dedup_key,
// for which PagerDuty would mint a new key, is identified by payload source, component,
// group and class. Acknowledge and resolve carry no time: their event time is the delivery
// time.
func DecodePagerDuty(req *Request) ([]signal.Signal, error) {
	evs, err := pdEvents(req.Body)
	if err != nil {
		return nil, err
	}
	out := make([]signal.Signal, 0, len(evs))
	for i, e := range evs {
		s, err := e.signal(req)
		if err != nil {
			return nil, Errorf("events[%d]: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func pdEvents(body []byte) ([]pdEvent, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var evs []pdEvent
		if err := decodeBody("pagerduty events", body, &evs); err != nil {
			return nil, err
		}
		if len(evs) == 0 {
			return nil, Errorf("decoding pagerduty events: empty array")
		}
		return evs, nil
	}
	evs := make([]pdEvent, 1)
	return evs, decodeBody("pagerduty event", body, &evs[0])
}

func (e pdEvent) signal(req *Request) (signal.Signal, error) {
	status := pdActions.of(e.EventAction)
	if e.EventAction == "" {
		return signal.Signal{}, Errorf("field event_action is missing")
	}
	if e.DedupKey == "" && status != signal.StatusFiring {
		return signal.Signal{}, Errorf("field dedup_key is required for %s", e.EventAction)
	}
	fp, err := e.identity()
	if err != nil {
		return signal.Signal{}, err
	}

	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: e.DedupKey, Fingerprint: fp,
		Status: status, RawStatus: e.EventAction,
	}
	if p := e.Payload; p != nil {
		at, err := ParseTimeJSON("payload.timestamp", p.Timestamp, nil)
		if err != nil {
			return signal.Signal{}, err
		}
		s.Name = firstNonEmpty(p.Class, p.Summary)
		s.Summary = p.Summary
		s.Severity = MapSeverity(p.Severity)
		s.Service = firstNonEmpty(pdDetail(p.CustomDetails, "service"), p.Group, p.Component)
		s.StartsAt, s.EventTime = at, at
		s.Labels = putLabel(s.Labels, "source", p.Source)
		s.Labels = putLabel(s.Labels, "component", p.Component)
		s.Labels = putLabel(s.Labels, "group", p.Group)
		s.Labels = putLabel(s.Labels, "class", p.Class)
	}
	s.Labels = putLabel(s.Labels, "client", e.Client)
	if s.EventTime.IsZero() {
		s.EventTime = receivedAt(req)
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	return s, nil
}

func (e pdEvent) identity() (string, error) {
	scope := ""
	if e.RoutingKey != "" {
		sum := sha256.Sum256([]byte(e.RoutingKey))
		scope = hex.EncodeToString(sum[:8])
	}
	if e.DedupKey != "" {
		return signal.Identity("pagerduty", scope, "dedup", e.DedupKey)
	}
	if e.Payload == nil {
		return "", Errorf("field payload is required for trigger")
	}
	p := e.Payload
	if p.Source == "" && p.Component == "" && p.Group == "" && p.Class == "" {
		return "", Errorf("trigger has no dedup_key and no payload source, component, " +
			"group or class to identify it")
	}
	// Each part is named: signal.Identity skips empty parts, so unnamed, source "db"
	// with component "x" would be the same alert as source "db" with group "x".
	return signal.Identity("pagerduty", scope, named("source", p.Source),
		named("component", p.Component), named("group", p.Group), named("class", p.Class))
}

// named is "k=v" for an identity part, or "" when v is empty so that the part is skipped.
func named(k, v string) string {
	if v == "" {
		return ""
	}
	return k + "=" + v
}

// pdDetail reads a string field from custom_details when it is an object.
func pdDetail(raw json.RawMessage, key string) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return ""
	}
	return scalarString(m[key])
}

// VerifyPagerDutyRoutingKey is the check for Events API v2 senders, which cannot set
// headers but always send the integration's routing key: with a secret configured, every
// event must carry it as its routing_key.
func VerifyPagerDutyRoutingKey(req *Request, secret string) error {
	evs, err := pdEvents(req.Body)
	if err != nil {
		return Unauthorized("routing key not readable: body does not decode")
	}
	for _, e := range evs {
		if subtle.ConstantTimeCompare([]byte(e.RoutingKey), []byte(secret)) != 1 {
			return Unauthorized("wrong routing_key")
		}
	}
	return nil
}

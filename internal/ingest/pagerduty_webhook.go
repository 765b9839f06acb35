package ingest

import (
	"strings"
	"sync"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// pdWebhook is a PagerDuty v3 webhook delivery: one event in an envelope.
type pdWebhook struct {
	Event *pdWebhookEvent `json:"event"`
}

type pdWebhookEvent struct {
	ID           string         `json:"id"`
	EventType    string         `json:"event_type"`
	ResourceType string         `json:"resource_type"`
	OccurredAt   flexString     `json:"occurred_at"`
	Agent        *pdReference   `json:"agent"`
	Data         *pdWebhookData `json:"data"`
}

type pdWebhookData struct {
	ID          string       `json:"id"`
	Type        string       `json:"type"`
	Number      flexString   `json:"number"`
	Status      string       `json:"status"`
	IncidentKey string       `json:"incident_key"`
	CreatedAt   flexString   `json:"created_at"`
	Title       string       `json:"title"`
	HTMLURL     string       `json:"html_url"`
	Urgency     string       `json:"urgency"`
	Service     *pdReference `json:"service"`
	Priority    *pdReference `json:"priority"`
}

type pdReference struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

// pdTransitions are the incident event types that state the incident's new status.
var pdTransitions = statusTable{
	"incident.triggered":      signal.StatusFiring,
	"incident.reopened":       signal.StatusFiring,
	"incident.unacknowledged": signal.StatusFiring,
	"incident.acknowledged":   signal.StatusAcknowledged,
	"incident.resolved":       signal.StatusResolved,
}

// pdIncidentStatus maps data.status, the current status that every other incident event
// (priority_updated, annotated, escalated, ...) carries.
var pdIncidentStatus = statusTable{
	"triggered":    signal.StatusFiring,
	"acknowledged": signal.StatusAcknowledged,
	"resolved":     signal.StatusResolved,
}

// pdSeenLimit bounds the event ids remembered for redelivery; PagerDuty retries within
// minutes, so a few thousand recent ids cover every retry of a busy account.
const pdSeenLimit = 4096

// PagerDutyWebhook decodes PagerDuty v3 webhooks. PagerDuty delivers at least once and in
// no fixed order: an event id already stored is dropped, and every signal carries the
// event's occurred_at as its event time so history is ordered by when it happened.
//
// Limits: the ids of stored events are kept in memory, bounded to the most recent
// pdSeenLimit; after a restart a redelivery is stored again with the same fingerprint,
// status and event time, which the store treats as a duplicate.
type PagerDutyWebhook struct {
	mu    sync.Mutex
	seen  map[string]struct{}
	order []string
}

// NewPagerDutyWebhook returns a decoder with an empty redelivery memory.
func NewPagerDutyWebhook() *PagerDutyWebhook {
	return &PagerDutyWebhook{seen: map[string]struct{}{}}
}

// Source is the pagerduty-webhook source: decode, v3 signature check and redelivery memory.
func (p *PagerDutyWebhook) Source() Source {
	return Source{Name: "pagerduty-webhook", Decode: p.Decode, Verify: VerifyPagerDutyV3,
		Stored: p.Stored}
}

// Decode decodes one v3 delivery. Events about other resources than incidents, and
// pagey.ping test events, give no signal.
func (p *PagerDutyWebhook) Decode(req *Request) ([]signal.Signal, error) {
	var w pdWebhook
	if err := decodeBody("pagerduty v3 webhook", req.Body, &w); err != nil {
		return nil, err
	}
	e := w.Event
	if e == nil || e.EventType == "" {
		return nil, Errorf("decoding pagerduty v3 webhook: field event.event_type is missing")
	}
	if e.ID != "" && p.wasStored(e.ID) {
		return nil, nil
	}
	if !strings.HasPrefix(e.EventType, "incident.") || e.Data == nil {
		return nil, nil
	}
	s, err := e.signal(req)
	if err != nil {
		return nil, err
	}
	return []signal.Signal{s}, nil
}

// Stored remembers the event ids of a delivery whose signals are now durable.
func (p *PagerDutyWebhook) Stored(req *Request, sigs []signal.Signal) {
	for _, s := range sigs {
		id := s.Annotations["pagerduty_event_id"]
		if id == "" {
			continue
		}
		p.mu.Lock()
		if _, ok := p.seen[id]; !ok {
			p.seen[id] = struct{}{}
			p.order = append(p.order, id)
			if len(p.order) > pdSeenLimit {
				delete(p.seen, p.order[0])
				p.order = p.order[1:]
			}
		}
		p.mu.Unlock()
	}
}

func (p *PagerDutyWebhook) wasStored(id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.seen[id]
	return ok
}

func (e *pdWebhookEvent) signal(req *Request) (signal.Signal, error) {
	d := e.Data
	if d.ID == "" {
		return signal.Signal{}, Errorf("field event.data.id is missing")
	}
	at, err := ParseTime("event.occurred_at", string(e.OccurredAt), nil)
	if err != nil {
		return signal.Signal{}, err
	}
	created, err := ParseTime("event.data.created_at", string(d.CreatedAt), nil)
	if err != nil {
		return signal.Signal{}, err
	}
	fp, err := signal.Identity("pagerduty-webhook", d.ID)
	if err != nil {
		return signal.Signal{}, err
	}

	status, ok := pdTransitions[e.EventType]
	if !ok {
		status = pdIncidentStatus.of(d.Status)
	}
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: d.ID, Fingerprint: fp, Name: d.Title,
		Summary: d.Title, Status: status, RawStatus: e.EventType,
		Severity: pdUrgency(d), StartsAt: created, EventTime: at,
		Annotations: map[string]string{"pagerduty_event_id": e.ID},
	}
	if s.EventTime.IsZero() {
		s.EventTime = receivedAt(req)
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	if status == signal.StatusResolved {
		s.EndsAt = s.EventTime
	}
	s.Annotations = putLabel(s.Annotations, "url", d.HTMLURL)
	s.Labels = putLabel(s.Labels, "incident_key", d.IncidentKey)
	s.Labels = putLabel(s.Labels, "incident_number", string(d.Number))
	s.Labels = putLabel(s.Labels, "urgency", d.Urgency)
	if d.Service != nil {
		s.Service = d.Service.Summary
		s.Labels = putLabel(s.Labels, "service_id", d.Service.ID)
	}
	if d.Priority != nil {
		s.Labels = putLabel(s.Labels, "priority", d.Priority.Summary)
	}
	return s, nil
}

// pdUrgency maps the incident priority (P1..P5) when set, else its urgency.
func pdUrgency(d *pdWebhookData) signal.Severity {
	if d.Priority != nil {
		if sev := MapSeverity(d.Priority.Summary); sev != signal.SeverityNone {
			return sev
		}
	}
	switch lower(d.Urgency) {
	case "high":
		return signal.SeverityError
	case "low":
		return signal.SeverityWarning
	}
	return signal.SeverityNone
}

package ingest

import (
	"encoding/json"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// grafanaMessage is the body of a Grafana unified alerting webhook contact point (Grafana 8
// and later): Alertmanager's webhook body plus Grafana's own fields.
type grafanaMessage struct {
	Receiver string         `json:"receiver"`
	Status   string         `json:"status"`
	Alerts   []grafanaAlert `json:"alerts"`
	GroupKey string         `json:"groupKey"`
	Version  string         `json:"version"`
	OrgID    flexString     `json:"orgId"`
	Title    string         `json:"title"`

	// Legacy (pre-8) alerting fields, only read to recognise that body.
	RuleID      *json.RawMessage `json:"ruleId"`
	EvalMatches *json.RawMessage `json:"evalMatches"`
}

type grafanaAlert struct {
	Status       string             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations"`
	StartsAt     json.RawMessage    `json:"startsAt"`
	EndsAt       json.RawMessage    `json:"endsAt"`
	Fingerprint  string             `json:"fingerprint"`
	GeneratorURL string             `json:"generatorURL"`
	Values       map[string]float64 `json:"values"`
	ValueString  string             `json:"valueString"`
	OrgID        flexString         `json:"orgId"`
}

var grafanaStatus = statusTable{
	"firing":   signal.StatusFiring,
	"resolved": signal.StatusResolved,
}

// DecodeGrafana decodes a Grafana unified alerting webhook. The alert's fingerprint is its
// native id; identity is the organisation and the fingerprint (Grafana fingerprints are
// per organisation), or the label set when a fingerprint is missing. The legacy pre-8
// body (ruleId, evalMatches) is refused with a message that says how to switch.
func DecodeGrafana(req *Request) ([]signal.Signal, error) {
	var msg grafanaMessage
	if err := decodeBody("grafana webhook", req.Body, &msg); err != nil {
		return nil, err
	}
	if msg.RuleID != nil || msg.EvalMatches != nil {
		return nil, Errorf("decoding grafana webhook: this is the legacy (pre-8) alerting " +
			"body; use a unified alerting webhook contact point")
	}
	if msg.Alerts == nil {
		return nil, Errorf("decoding grafana webhook: field alerts is missing")
	}

	out := make([]signal.Signal, 0, len(msg.Alerts))
	for i, a := range msg.Alerts {
		s, err := a.signal(req, msg)
		if err != nil {
			return nil, Errorf("alerts[%d]: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (a grafanaAlert) signal(req *Request, msg grafanaMessage) (signal.Signal, error) {
	org := firstNonEmpty(string(a.OrgID), string(msg.OrgID))
	fp, err := grafanaIdentity(a, org)
	if err != nil {
		return signal.Signal{}, err
	}
	starts, err := ParseTimeJSON("startsAt", a.StartsAt, nil)
	if err != nil {
		return signal.Signal{}, err
	}
	ends, err := ParseTimeJSON("endsAt", a.EndsAt, nil)
	if err != nil {
		return signal.Signal{}, err
	}

	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: a.Fingerprint, Fingerprint: fp,
		Name:     firstNonEmpty(a.Labels["alertname"], msg.Title),
		Service:  signal.ServiceFromLabels(a.Labels),
		Summary:  firstNonEmpty(a.Annotations["summary"], a.Annotations["description"]),
		Severity: MapSeverity(a.Labels["severity"]),
		Status:   grafanaStatus.of(a.Status), RawStatus: a.Status, Group: msg.GroupKey,
		StartsAt: starts, Labels: a.Labels, Annotations: a.Annotations,
	}
	if ends.Year() > 1 {
		s.EndsAt = ends
	}
	if len(a.Values) == 1 {
		for _, v := range a.Values {
			s.Value = v
		}
	}
	s.EventTime = transitionTime(s.Status, s.StartsAt, s.EndsAt, req)
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	return s, nil
}

func grafanaIdentity(a grafanaAlert, org string) (string, error) {
	if a.Fingerprint != "" {
		return signal.Identity("grafana", org, a.Fingerprint)
	}
	// The organisation alone must not identify: every alert without a fingerprint and
	// with only empty labels would merge into one.
	labels := map[string]string{}
	for k, v := range a.Labels {
		if v != "" {
			labels[k] = v
		}
	}
	if len(labels) == 0 {
		return "", Errorf("alert has neither fingerprint nor labels")
	}
	labels["__org"] = org
	return signal.LabelsIdentity("grafana", labels)
}

// transitionTime is the source time of an alert's transition: the end for a resolve, the
// start otherwise, and the delivery time when the source left the one it needed unset.
func transitionTime(st signal.Status, starts, ends time.Time, req *Request) time.Time {
	t := starts
	if st == signal.StatusResolved {
		t = ends
	}
	if t.IsZero() {
		return receivedAt(req)
	}
	return t
}

package ingest

import (
	"encoding/json"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// sentryMessage is a Sentry integration platform webhook. The resource (header
// Sentry-Hook-Resource) says which of data's members is set.
type sentryMessage struct {
	Action string `json:"action"`
	Data   struct {
		Event            *sentryEvent       `json:"event"`
		TriggeredRule    string             `json:"triggered_rule"`
		Issue            *sentryIssue       `json:"issue"`
		MetricAlert      *sentryMetricAlert `json:"metric_alert"`
		DescriptionTitle string             `json:"description_title"`
		DescriptionText  string             `json:"description_text"`
		WebURL           string             `json:"web_url"`
	} `json:"data"`
}

type sentryEvent struct {
	EventID   string          `json:"event_id"`
	IssueID   flexString      `json:"issue_id"`
	Title     string          `json:"title"`
	Level     string          `json:"level"`
	Culprit   string          `json:"culprit"`
	Datetime  json.RawMessage `json:"datetime"`  // RFC 3339, microseconds
	Timestamp json.RawMessage `json:"timestamp"` // epoch float seconds
	Project   flexString      `json:"project"`
	Release   string          `json:"release"`
	Env       string          `json:"environment"`
	WebURL    string          `json:"web_url"`
	Tags      [][]string      `json:"tags"`
}

type sentryIssue struct {
	ID        flexString      `json:"id"`
	ShortID   string          `json:"shortId"`
	Title     string          `json:"title"`
	Level     string          `json:"level"`
	Status    string          `json:"status"`
	Substatus string          `json:"substatus"`
	FirstSeen json.RawMessage `json:"firstSeen"`
	Project   *struct {
		Slug string `json:"slug"`
	} `json:"project"`
}

type sentryMetricAlert struct {
	ID           flexString      `json:"id"`
	Title        string          `json:"title"`
	DateDetected json.RawMessage `json:"date_detected"`
	DateStarted  json.RawMessage `json:"date_started"`
	DateClosed   json.RawMessage `json:"date_closed"`
	Org          flexString      `json:"organization_id"`
	Projects     []string        `json:"projects"`
	AlertRule    struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"alert_rule"`
}

// sentryIssueActions maps the actions of the issue resource.
var sentryIssueActions = statusTable{
	"created":    signal.StatusFiring,
	"unresolved": signal.StatusFiring,
	"resolved":   signal.StatusResolved,
	"archived":   signal.StatusResolved,
	"ignored":    signal.StatusResolved,
}

var sentryMetricActions = statusTable{
	"critical": signal.StatusFiring,
	"warning":  signal.StatusFiring,
	"resolved": signal.StatusResolved,
}

// DecodeSentry decodes Sentry webhooks of three resources. An issue alert (event_alert,
// always "triggered") fires on the issue: its issue id is the native id and the identity,
// shared with the issue resource, whose resolved, archived and unresolved actions then
// resolve or reopen the same alert (assigned acknowledges an unresolved issue). A metric
// alert fires (critical, warning) or resolves its incident, identified by the incident
// id. The resource comes from Sentry-Hook-Resource, or from the body's shape.
func DecodeSentry(req *Request) ([]signal.Signal, error) {
	var m sentryMessage
	if err := decodeBody("sentry webhook", req.Body, &m); err != nil {
		return nil, err
	}
	var (
		s   signal.Signal
		err error
	)
	switch {
	case m.Data.Event != nil:
		s, err = sentryEventAlert(m)
	case m.Data.Issue != nil:
		s, err = sentryIssueChange(m)
	case m.Data.MetricAlert != nil:
		s, err = sentryMetric(m)
	default:
		resource := req.Header.Get("Sentry-Hook-Resource")
		if resource == "installation" || resource == "comment" || resource == "error" {
			return nil, nil
		}
		return nil, Errorf("decoding sentry webhook: data has no event, issue or "+
			"metric_alert (resource %q)", resource)
	}
	if err != nil {
		return nil, err
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
	return []signal.Signal{s}, nil
}

func sentryEventAlert(m sentryMessage) (signal.Signal, error) {
	e := m.Data.Event
	fp, err := signal.Identity("sentry", "issue", string(e.IssueID))
	if e.IssueID == "" || err != nil {
		return signal.Signal{}, Errorf("field data.event.issue_id is missing")
	}
	at, err := ParseTimeJSON("data.event.datetime", e.Datetime, nil)
	if err == nil && at.IsZero() {
		at, err = ParseTimeJSON("data.event.timestamp", e.Timestamp, nil)
	}
	if err != nil {
		return signal.Signal{}, err
	}
	labels := map[string]string{}
	for _, kv := range e.Tags {
		if len(kv) == 2 {
			labels = putLabel(labels, kv[0], kv[1])
		}
	}
	labels = putLabel(labels, "project", string(e.Project))
	labels = putLabel(labels, "release", e.Release)
	labels = putLabel(labels, "environment", e.Env)
	return signal.Signal{
		Kind: signal.KindAlert, NativeID: string(e.IssueID), Fingerprint: fp,
		Name: e.Title, Summary: firstNonEmpty(e.Culprit, e.Title),
		Severity: MapSeverity(e.Level), Status: sentryEventStatus(m.Action),
		RawStatus: m.Action, Group: m.Data.TriggeredRule, StartsAt: at, EventTime: at,
		Labels: labels, Annotations: map[string]string{"event_id": e.EventID,
			"url": e.WebURL},
	}, nil
}

func sentryEventStatus(action string) signal.Status {
	if lower(action) == "triggered" {
		return signal.StatusFiring
	}
	return signal.StatusUnknown
}

func sentryIssueChange(m sentryMessage) (signal.Signal, error) {
	is := m.Data.Issue
	fp, err := signal.Identity("sentry", "issue", string(is.ID))
	if is.ID == "" || err != nil {
		return signal.Signal{}, Errorf("field data.issue.id is missing")
	}
	first, err := ParseTimeJSON("data.issue.firstSeen", is.FirstSeen, nil)
	if err != nil {
		return signal.Signal{}, err
	}
	status := sentryIssueActions.of(m.Action)
	if lower(m.Action) == "assigned" && lower(is.Status) == "unresolved" {
		status = signal.StatusAcknowledged
	}
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: string(is.ID), Fingerprint: fp, Name: is.Title,
		Summary: is.Title, Severity: MapSeverity(is.Level), Status: status,
		RawStatus: m.Action, StartsAt: first,
	}
	if lower(m.Action) == "created" {
		s.EventTime = first
	}
	s.Labels = putLabel(s.Labels, "short_id", is.ShortID)
	s.Labels = putLabel(s.Labels, "substatus", is.Substatus)
	if is.Project != nil {
		s.Labels = putLabel(s.Labels, "project", is.Project.Slug)
		s.Service = is.Project.Slug
	}
	return s, nil
}

func sentryMetric(m sentryMessage) (signal.Signal, error) {
	ma := m.Data.MetricAlert
	fp, err := signal.Identity("sentry", "metric_alert", string(ma.Org), string(ma.ID))
	if ma.ID == "" || err != nil {
		return signal.Signal{}, Errorf("field data.metric_alert.id is missing")
	}
	status := sentryMetricActions.of(m.Action)
	field, raw := "data.metric_alert.date_detected", ma.DateDetected
	if status == signal.StatusResolved {
		field, raw = "data.metric_alert.date_closed", ma.DateClosed
	}
	at, err := ParseTimeJSON(field, raw, nil)
	if err != nil {
		return signal.Signal{}, err
	}
	started, err := ParseTimeJSON("data.metric_alert.date_started", ma.DateStarted, nil)
	if err != nil {
		return signal.Signal{}, err
	}
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: string(ma.ID), Fingerprint: fp,
		Name:    firstNonEmpty(ma.AlertRule.Name, ma.Title),
		Summary: firstNonEmpty(m.Data.DescriptionTitle, m.Data.DescriptionText),
		Status:  status, RawStatus: m.Action, Severity: MapSeverity(m.Action),
		StartsAt: started, EventTime: at,
		Annotations: map[string]string{"url": m.Data.WebURL},
	}
	if status == signal.StatusResolved {
		s.Severity = signal.SeverityNone
	}
	s.Labels = putLabel(s.Labels, "alert_rule_id", string(ma.AlertRule.ID))
	if len(ma.Projects) > 0 {
		s.Labels = putLabel(s.Labels, "project", ma.Projects[0])
		s.Service = ma.Projects[0]
	}
	return s, nil
}

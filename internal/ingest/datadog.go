package ingest

import (
	"regexp"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ddMessage is a Datadog webhook body. Datadog renders a user-editable template, so every
// field is optional: the first block is the default template, the second the fields the
// recommended template in docs/sources/datadog.md adds.
type ddMessage struct {
	ID          flexString `json:"id"` // $ID: the event id, new on every notification
	LastUpdated flexString `json:"last_updated"`
	EventType   string     `json:"event_type"`
	Title       string     `json:"title"`
	Date        flexString `json:"date"`
	Org         *struct {
		ID   flexString `json:"id"`
		Name string     `json:"name"`
	} `json:"org"`
	Body string `json:"body"`

	AlertID         flexString `json:"alert_id"`         // $ALERT_ID: the monitor id
	AlertTransition string     `json:"alert_transition"` // $ALERT_TRANSITION
	AggregKey       string     `json:"aggreg_key"`       // $AGGREG_KEY: monitor and group
	AlertCycleKey   string     `json:"alert_cycle_key"`  // $ALERT_CYCLE_KEY
	AlertScope      string     `json:"alert_scope"`      // $ALERT_SCOPE
	AlertPriority   string     `json:"alert_priority"`   // $ALERT_PRIORITY
	AlertTitle      string     `json:"alert_title"`      // $ALERT_TITLE
	Hostname        string     `json:"hostname"`         // $HOSTNAME
	Tags            any        `json:"tags"`             // $TAGS: "a:b,c:d" or a list
}

// ddTransitions maps $ALERT_TRANSITION and the title prefixes of the default template.
var ddTransitions = statusTable{
	"triggered":    signal.StatusFiring,
	"re-triggered": signal.StatusFiring,
	"warn":         signal.StatusFiring,
	"re-warn":      signal.StatusFiring,
	"renotify":     signal.StatusFiring,
	"no data":      signal.StatusFiring,
	"re-no data":   signal.StatusFiring,
	"recovered":    signal.StatusResolved,
}

var ddSeverities = map[string]signal.Severity{
	"triggered": signal.SeverityCritical, "re-triggered": signal.SeverityCritical,
	"renotify": signal.SeverityCritical, "warn": signal.SeverityWarning,
	"re-warn": signal.SeverityWarning, "no data": signal.SeverityWarning,
	"re-no data": signal.SeverityWarning,
}

// ddTitlePrefix matches one leading [..] group; an empty one ("[] Disk full", a template
// variable that rendered as nothing) is taken off the name too.
var ddTitlePrefix = regexp.MustCompile(`^\s*\[([^\]]*)\]\s*`)
var ddMonitorLink = regexp.MustCompile(`/monitors/(\d+)`)

// DecodeDatadog decodes a Datadog monitor webhook. With the recommended template, identity
// is the monitor id ($ALERT_ID) and the group ($AGGREG_KEY, else $ALERT_SCOPE), and the
// transition comes from $ALERT_TRANSITION. With the default template, which has no stable
// alert id, identity is the org, the monitor id found in the body's monitor link and the
// title without its [Transition] prefix, and the transition is read from that prefix.
// The native id is $ALERT_CYCLE_KEY when sent, else $ID.
func DecodeDatadog(req *Request) ([]signal.Signal, error) {
	var m ddMessage
	if err := decodeBody("datadog webhook", req.Body, &m); err != nil {
		return nil, err
	}
	prefixes, name := ddSplitTitle(firstNonEmpty(m.AlertTitle, m.Title))
	transition, scope := m.AlertTransition, m.AlertScope
	word, group := ddTitleTransition(prefixes)
	transition, scope = firstNonEmpty(transition, word), firstNonEmpty(scope, group)
	fp, err := m.identity(name, scope)
	if err != nil {
		return nil, err
	}
	at, err := ddTime(m)
	if err != nil {
		return nil, err
	}

	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: firstNonEmpty(m.AlertCycleKey, string(m.ID)),
		Fingerprint: fp, Name: name, Summary: ddSummary(m.Body),
		Status: ddTransitions.of(transition), RawStatus: transition,
		Severity: ddSeverity(m.AlertPriority, prefixes, transition),
		Group:    m.AggregKey, StartsAt: at, EventTime: at,
		Labels: ddTags(m.Tags),
	}
	if s.EventTime.IsZero() {
		s.EventTime, s.StartsAt = receivedAt(req), receivedAt(req)
	}
	if s.Status == signal.StatusResolved {
		s.EndsAt = s.EventTime
	}
	s.Labels = putLabel(s.Labels, "host", m.Hostname)
	s.Labels = putLabel(s.Labels, "scope", scope)
	s.Labels = putLabel(s.Labels, "event_type", m.EventType)
	s.Labels = putLabel(s.Labels, "monitor_id", ddMonitorID(m))
	s.Service = signal.ServiceFromLabels(s.Labels)
	return []signal.Signal{s}, nil
}

// identity is the monitor and the group: scope is $ALERT_SCOPE, or the group a multi
// alert monitor puts in its title ("[Triggered on {host:a}] ..."), without which every
// group of the monitor would be one alert.
func (m ddMessage) identity(name, scope string) (string, error) {
	org := ""
	if m.Org != nil {
		org = string(m.Org.ID)
	}
	if m.AlertID != "" {
		return signal.Identity("datadog", org, "monitor", string(m.AlertID),
			firstNonEmpty(m.AggregKey, scope))
	}
	monitor := ddMonitorID(m)
	if monitor == "" && name == "" {
		return "", Errorf("datadog webhook has no alert_id, monitor link or title to " +
			"identify the alert; use the recommended template")
	}
	return signal.Identity("datadog", org, "monitor", monitor, "title", name,
		named("scope", scope))
}

// ddTitleTransition picks the transition and group from the title prefixes: the first
// known transition word, else the first prefix that is not a priority. An unknown word
// is still returned so that raw_status shows an operator what Datadog sent (a renamed
// or localised transition) while the status stays unknown.
func ddTitleTransition(prefixes []string) (word, group string) {
	var fallback [2]string
	for _, p := range prefixes {
		w, g := ddTransitionPrefix(p)
		if _, ok := ddTransitions[lower(w)]; ok {
			return w, g
		}
		if fallback[0] == "" && w != "" && !ddIsPriority(w) {
			fallback = [2]string{w, g}
		}
	}
	return fallback[0], fallback[1]
}

// ddIsPriority reports whether a title prefix is a monitor priority such as P2.
func ddIsPriority(p string) bool {
	return len(p) == 2 && (p[0] == 'P' || p[0] == 'p') && p[1] >= '1' && p[1] <= '5'
}

// ddTransitionPrefix splits a title prefix "Triggered on {host:a,env:b}" into the
// transition and the group "host:a,env:b"; a prefix without " on " is all transition.
func ddTransitionPrefix(p string) (string, string) {
	word, group, ok := strings.Cut(p, " on ")
	if !ok {
		return strings.TrimSpace(p), ""
	}
	group = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(group), "{"), "}")
	return strings.TrimSpace(word), strings.TrimSpace(group)
}

func ddMonitorID(m ddMessage) string {
	if m.AlertID != "" {
		return string(m.AlertID)
	}
	if sub := ddMonitorLink.FindStringSubmatch(m.Body); sub != nil {
		return sub[1]
	}
	return ""
}

// ddSplitTitle takes the leading [..] groups off a title: "[P2] [Triggered] High CPU"
// gives ["P2" "Triggered"] and "High CPU".
func ddSplitTitle(title string) ([]string, string) {
	var prefixes []string
	for {
		sub := ddTitlePrefix.FindStringSubmatch(title)
		if sub == nil {
			return prefixes, strings.TrimSpace(title)
		}
		prefixes = append(prefixes, sub[1])
		title = title[len(sub[0]):]
	}
}

func ddSeverity(priority string, prefixes []string, transition string) signal.Severity {
	for _, p := range append([]string{priority}, prefixes...) {
		if ddIsPriority(p) {
			return MapSeverity(p)
		}
	}
	return ddSeverities[lower(transition)]
}

// ddTime is the notification's time: last_updated, else date (epoch ms as strings).
func ddTime(m ddMessage) (t0 time.Time, err error) {
	t0, err = ParseTime("last_updated", string(m.LastUpdated), nil)
	if err != nil || !t0.IsZero() {
		return t0, err
	}
	return ParseTime("date", string(m.Date), nil)
}

// ddSummary is the first line of the message body, without Datadog's %%% markdown fence.
func ddSummary(body string) string {
	body = strings.TrimSpace(strings.Trim(strings.TrimSpace(body), "%"))
	line, _, _ := strings.Cut(body, "\n")
	return clip(strings.TrimSpace(line), 300)
}

// ddTags turns $TAGS ("env:prod,service:web" or a list) into labels; a tag without a
// value becomes a label with the value "true".
func ddTags(v any) map[string]string {
	var tags []string
	switch x := v.(type) {
	case string:
		tags = strings.Split(x, ",")
	case []any:
		for _, t := range x {
			tags = append(tags, scalarString(t))
		}
	}
	var labels map[string]string
	for _, t := range tags {
		k, val, ok := strings.Cut(strings.TrimSpace(t), ":")
		if !ok {
			val = "true"
		}
		labels = putLabel(labels, k, val)
	}
	return labels
}

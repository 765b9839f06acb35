package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// This file checks the rules every alert and change source must keep, one table row per
// source (docs/sources/ states the same rules per source):
//
//   - identity comes from stable fields only: a new status, message, value or time keeps
//     the fingerprint, and a different id gives a different one;
//   - an empty id never yields an identity shared by two different alerts: the delivery
//     is refused, or the identity falls back to another identifying field;
//   - a status word no mapping knows is stored as unknown, never as firing;
//   - a time that does not parse is a 400 naming the field;
//   - failed authentication is a 401, counted, with nothing stored.

// ruleCase is one source's body template and what its placeholders may be. The template
// uses $ID (the identity field), $ALT (a second identifying field, used when $ID is
// empty), $STATUS, $MSG, $VALUE and $TIME.
type ruleCase struct {
	name   string // sub-test name; the source name when empty
	source string
	header map[string]string
	body   string
	// status maps status words to the status they must give; for changes, state maps
	// progress words to Change.State instead.
	status map[string]signal.Status
	state  map[string]string
	// firing is a status word that gives a storable signal, used by the other checks.
	firing string
	// unknownRejected is set for sources that refuse an unknown status (events).
	unknownRejected bool
	times           [2]string // two valid times in the source's format
	badTime         string    // a $TIME that does not parse
	timeField       string    // the field the bad-time error must name
}

func (c ruleCase) title() string { return firstNonEmpty(c.name, c.source) }

// render fills the template; vars override the defaults.
func (c ruleCase) render(vars map[string]string) []byte {
	v := map[string]string{"$ID": "id-1", "$ALT": "alt-1", "$STATUS": c.firing,
		"$MSG": "disk 91% full", "$VALUE": "91", "$TIME": c.times[0]}
	for k, x := range vars {
		v[k] = x
	}
	var pairs []string
	for k, x := range v {
		pairs = append(pairs, k, x)
	}
	return []byte(strings.NewReplacer(pairs...).Replace(c.body))
}

var ruleCases = []ruleCase{
	{source: "alertmanager", firing: "firing",
		body: `{"version":"4","groupKey":"g","status":"firing","receiver":"r","alerts":[` +
			`{"status":"$STATUS","labels":{"alertname":"$ALT","service":"api"},` +
			`"annotations":{"summary":"$MSG $VALUE"},"startsAt":"$TIME",` +
			`"endsAt":"0001-01-01T00:00:00Z","fingerprint":"$ID"}]}`,
		status: map[string]signal.Status{"firing": signal.StatusFiring,
			"resolved": signal.StatusResolved, "pending": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00.123Z"},
		badTime: "yesterday", timeField: "alerts[0].startsAt"},
	{source: "grafana", firing: "firing",
		body: `{"receiver":"r","status":"firing","orgId":1,"groupKey":"g","version":"1",` +
			`"alerts":[{"status":"$STATUS","labels":{"alertname":"$ALT"},` +
			`"annotations":{"summary":"$MSG"},"startsAt":"$TIME",` +
			`"endsAt":"0001-01-01T00:00:00Z","fingerprint":"$ID","values":{"A":$VALUE},` +
			`"valueString":"[ var='A' value=$VALUE ]"}]}`,
		status: map[string]signal.Status{"firing": signal.StatusFiring,
			"resolved": signal.StatusResolved, "alerting": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00.123456789Z"},
		badTime: "2024-05-01 at ten", timeField: "startsAt"},
	{source: "pagerduty", firing: "trigger",
		body: `{"routing_key":"rk","event_action":"$STATUS","dedup_key":"$ID",` +
			`"payload":{"summary":"$MSG","source":"$ALT","severity":"critical",` +
			`"timestamp":"$TIME","custom_details":{"value":"$VALUE"}}}`,
		status: map[string]signal.Status{"trigger": signal.StatusFiring,
			"acknowledge": signal.StatusAcknowledged, "resolve": signal.StatusResolved,
			"snooze": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00.000+0000", "2024-05-01T12:05:00+02:00"},
		badTime: "May the first", timeField: "payload.timestamp"},
	{source: "pagerduty-webhook", firing: "incident.triggered",
		body: `{"event":{"id":"ev-1","event_type":"$STATUS","resource_type":"incident",` +
			`"occurred_at":"$TIME","data":{"id":"$ID","type":"incident",` +
			`"status":"investigating","title":"$MSG","urgency":"high",` +
			`"service":{"id":"S1","summary":"$ALT"},"created_at":"2024-05-01T09:00:00Z"}}}`,
		status: map[string]signal.Status{"incident.triggered": signal.StatusFiring,
			"incident.acknowledged": signal.StatusAcknowledged,
			"incident.resolved":     signal.StatusResolved,
			"incident.annotated":    signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00.169Z", "2024-05-01T10:09:00Z"},
		badTime: "now-ish", timeField: "event.occurred_at"},
	{source: "datadog", firing: "Triggered",
		body: `{"id":"8306082202796025694","last_updated":"$TIME","date":"$TIME",` +
			`"event_type":"query_alert_monitor","title":"[$STATUS on {host:a}] $ALT",` +
			`"org":{"id":"11","name":"o"},"body":"%%%\n$MSG $VALUE\n%%%","alert_id":"$ID",` +
			`"alert_transition":"$STATUS","aggreg_key":"","alert_cycle_key":"c1",` +
			`"alert_scope":"host:a","alert_priority":"P1"}`,
		status: map[string]signal.Status{"Triggered": signal.StatusFiring,
			"Re-Triggered": signal.StatusFiring, "Warn": signal.StatusFiring,
			"Recovered": signal.StatusResolved, "Muted": signal.StatusUnknown},
		times:   [2]string{"1714557600000", "1714557900000"},
		badTime: "soon", timeField: "last_updated"},
	{source: "opsgenie", firing: "Create",
		body: `{"action":"$STATUS","integrationName":"i","alert":{"alertId":"$ID",` +
			`"alias":"$ID","message":"$ALT","description":"$MSG $VALUE","entity":"e",` +
			`"priority":"P2","createdAt":1714550000000,"updatedAt":$TIME}}`,
		status: map[string]signal.Status{"Create": signal.StatusFiring,
			"Acknowledge": signal.StatusAcknowledged, "Close": signal.StatusResolved,
			"AddNote": signal.StatusUnknown},
		times:   [2]string{"1714557600000000000", "1714557900123456789"},
		badTime: `"later"`, timeField: "alert.updatedAt"},
	{source: "zabbix", firing: "PROBLEM",
		body: `{"id":"$ID","triggerId":"$ALT","name":"Disk full","status":"$STATUS",` +
			`"severity":"High","description":"$MSG $VALUE","host_name":"h1",` +
			`"lastReceived":"$TIME","recoveredAt":"$TIME"}`,
		status: map[string]signal.Status{"PROBLEM": signal.StatusFiring,
			"RESOLVED": signal.StatusResolved, "UPDATE": signal.StatusUnknown},
		times:   [2]string{"2024.05.01 10:00:00", "2024.05.01 10:05:00"},
		badTime: "2024.13.45 99:00:00", timeField: "lastReceived"},
	{source: "icinga", firing: "2",
		body: `{"type":"StateChange","host":"$ID","service":"$ALT","state":$STATUS,` +
			`"state_type":1,"timestamp":$TIME,"check_result":{"output":"$MSG $VALUE"}}`,
		status: map[string]signal.Status{"2": signal.StatusFiring, "1": signal.StatusFiring,
			"0": signal.StatusResolved, "7": signal.StatusUnknown},
		times:   [2]string{"1714557600.203504", "1714557900"},
		badTime: `"half past ten"`, timeField: "timestamp"},
	{name: "sentry/event_alert", source: "sentry", firing: "triggered",
		header: map[string]string{"Sentry-Hook-Resource": "event_alert"},
		body: `{"action":"$STATUS","data":{"triggered_rule":"r","event":{"event_id":"e1",` +
			`"issue_id":"$ID","title":"$ALT","level":"error","culprit":"$MSG $VALUE",` +
			`"datetime":"$TIME"}}}`,
		status: map[string]signal.Status{"triggered": signal.StatusFiring,
			"resolved": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00.677000Z", "2024-05-01T10:05:00Z"},
		badTime: "tomorrow", timeField: "data.event.datetime"},
	{name: "sentry/issue", source: "sentry", firing: "created",
		header: map[string]string{"Sentry-Hook-Resource": "issue"},
		body: `{"action":"$STATUS","data":{"issue":{"id":"$ID","shortId":"P-1",` +
			`"title":"$ALT: $MSG $VALUE","level":"error","status":"unresolved",` +
			`"firstSeen":"$TIME","project":{"slug":"web"}}}}`,
		status: map[string]signal.Status{"created": signal.StatusFiring,
			"unresolved": signal.StatusFiring, "assigned": signal.StatusAcknowledged,
			"resolved": signal.StatusResolved, "archived": signal.StatusResolved,
			"merged": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "a while ago", timeField: "data.issue.firstSeen"},
	{name: "sentry/metric_alert", source: "sentry", firing: "critical",
		header: map[string]string{"Sentry-Hook-Resource": "metric_alert"},
		body: `{"action":"$STATUS","data":{"description_text":"$MSG $VALUE",` +
			`"metric_alert":{"id":"$ID","organization_id":"1","date_detected":"$TIME",` +
			`"date_started":"$TIME","date_closed":"$TIME","projects":["web"],` +
			`"alert_rule":{"id":"9","name":"$ALT"}}}}`,
		status: map[string]signal.Status{"critical": signal.StatusFiring,
			"warning": signal.StatusFiring, "resolved": signal.StatusResolved,
			"bogus": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "then", timeField: "data.metric_alert.date_detected"},
	{source: "azure-monitor", firing: "Fired",
		body: `{"schemaId":"azureMonitorCommonAlertSchema","data":{"essentials":{` +
			`"alertId":"$ID","alertRule":"$ALT","severity":"Sev1",` +
			`"monitorCondition":"$STATUS","firedDateTime":"$TIME",` +
			`"resolvedDateTime":"$TIME","description":"$MSG $VALUE"}}}`,
		status: map[string]signal.Status{"Fired": signal.StatusFiring,
			"Resolved": signal.StatusResolved, "Acknowledged": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00.3713213Z", "2024-05-01T10:05:00Z"},
		badTime: "Friday", timeField: "data.essentials.firedDateTime"},
	{source: "gcp-monitoring", firing: "open",
		body: `{"version":"1.2","incident":{"incident_id":"$ID","scoping_project_id":"p",` +
			`"state":"$STATUS","started_at":$TIME,"ended_at":$TIME,"policy_name":"$ALT",` +
			`"summary":"$MSG","observed_value":"$VALUE","threshold_value":"80"}}`,
		status: map[string]signal.Status{"open": signal.StatusFiring,
			"closed": signal.StatusResolved, "acknowledged": signal.StatusAcknowledged,
			"snoozed": signal.StatusUnknown},
		times:   [2]string{"1714557600", "1714557900"},
		badTime: `"noon"`, timeField: "incident.started_at"},
	{source: "cloudwatch", firing: "ALARM",
		body: `{"AlarmName":"$ALT","AlarmArn":"$ID","AWSAccountId":"123456789012",` +
			`"Region":"EU (Ireland)","NewStateValue":"$STATUS","NewStateReason":"$MSG $VALUE",` +
			`"OldStateValue":"OK","StateChangeTime":"$TIME"}`,
		status: map[string]signal.Status{"ALARM": signal.StatusFiring,
			"OK": signal.StatusResolved, "INSUFFICIENT_DATA": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00.423+0000", "2024-05-01T10:05:00.000+0000"},
		badTime: "later today", timeField: "Message.StateChangeTime"},
	{source: "cloudevents", firing: "firing",
		body: `{"specversion":"1.0","id":"$ALT","source":"/monitor","type":"com.example.alert",` +
			`"subject":"$ID","time":"$TIME","status":"$STATUS",` +
			`"data":{"message":"$MSG","value":$VALUE}}`,
		status: map[string]signal.Status{"firing": signal.StatusFiring,
			"resolved": signal.StatusResolved, "acknowledged": signal.StatusAcknowledged,
			"flapping": signal.StatusUnknown},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "whenever", timeField: "time"},
	{source: "events", firing: "firing", unknownRejected: true,
		body: `{"id":"$ID","name":"$ALT","service":"svc","summary":"$MSG",` +
			`"status":"$STATUS","starts_at":"$TIME","value":$VALUE}`,
		status: map[string]signal.Status{"firing": signal.StatusFiring,
			"resolved": signal.StatusResolved, "acknowledged": signal.StatusAcknowledged},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "2024-05-01 10:00", timeField: "starts_at"},
	{source: "changes", firing: "success",
		body: `{"id":"$ID","type":"deploy","service":"$ALT","version":"v2",` +
			`"state":"$STATUS","description":"$MSG $VALUE","time":"$TIME"}`,
		state:   map[string]string{"success": "success", "rolled-over": "rolled-over"},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "2024-05-01", timeField: "time"},
	{source: "github", firing: "success",
		header: map[string]string{"X-GitHub-Event": "deployment_status"},
		body: `{"action":"created","deployment_status":{"id":7,"state":"$STATUS",` +
			`"description":"$MSG $VALUE","environment":"production","created_at":"$TIME",` +
			`"updated_at":"$TIME"},"deployment":{"id":"$ID","sha":` +
			`"0123456789abcdef0123456789abcdef01234567","ref":"main","environment":` +
			`"production","created_at":"2024-05-01T09:00:00Z"},` +
			`"repository":{"name":"$ALT","full_name":"org/$ALT"}}`,
		state: map[string]string{"success": "success", "pending": "in_progress",
			"queued": "in_progress", "error": "failure", "failure": "failure",
			"inactive": "inactive", "paused": "paused"},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "at once", timeField: "deployment_status.updated_at"},
	{source: "argocd", firing: "Succeeded",
		body: `{"app":"$ID","app_namespace":"argocd","project":"default",` +
			`"namespace":"prod","revision":"0123456789abcdef0123456789abcdef01234567",` +
			`"sync_status":"Synced","health":"","phase":"$STATUS","started_at":"$TIME",` +
			`"finished_at":"$TIME","message":"$MSG $VALUE"}`,
		state: map[string]string{"Succeeded": "success", "Failed": "failure",
			"Error": "failure", "Running": "in_progress", "Paused": "unknown"},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "after lunch", timeField: "finished_at"},
	{source: "flux", firing: "info",
		body: `{"involvedObject":{"kind":"Kustomization","namespace":"flux-system",` +
			`"name":"$ID","uid":"u-1"},"severity":"$STATUS","timestamp":"$TIME",` +
			`"message":"$MSG $VALUE","reason":"ReconciliationSucceeded",` +
			`"metadata":{"revision":"main@sha1:0123456789abcdef0123456789abcdef01234567"}}`,
		state:   map[string]string{"info": "success", "error": "failure", "trace": "trace"},
		times:   [2]string{"2024-05-01T10:00:00Z", "2024-05-01T10:05:00Z"},
		badTime: "by and by", timeField: "timestamp"},
}

// decodeRule runs a body through the source's decoder, as the handler would.
func decodeRule(t *testing.T, c ruleCase, body []byte) ([]signal.Signal, error) {
	t.Helper()
	req := &Request{Header: http.Header{}, Body: body, Received: srcNow}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	return sourceByName(t, c.source).Decode(req)
}

// mustDecodeOne decodes a body that must give exactly one signal.
func mustDecodeOne(t *testing.T, c ruleCase, vars map[string]string) signal.Signal {
	t.Helper()
	sigs, err := decodeRule(t, c, c.render(vars))
	if err != nil {
		t.Fatalf("decoding %v: %v", vars, err)
	}
	if len(sigs) != 1 {
		t.Fatalf("decoding %v: got %d signals, want 1", vars, len(sigs))
	}
	return sigs[0]
}

func TestRulesStatusMapping(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.title(), func(t *testing.T) {
			for word, want := range c.status {
				s := mustDecodeOne(t, c, map[string]string{"$STATUS": word})
				if s.Status != want || s.Kind != signal.KindAlert {
					t.Errorf("%q: kind %s status %s, want alert %s", word, s.Kind,
						s.Status, want)
				}
			}
			for word, want := range c.state {
				s := mustDecodeOne(t, c, map[string]string{"$STATUS": word})
				if s.Kind != signal.KindChange || s.Change == nil || s.Change.State != want {
					t.Errorf("%q: kind %s change %+v, want state %q", word, s.Kind,
						s.Change, want)
				}
				if s.Status != signal.StatusResolved || s.Opens() {
					t.Errorf("%q: change has status %s; a change never opens", word, s.Status)
				}
			}
		})
	}
}

func TestRulesUnknownStatusIsNotFiring(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.title(), func(t *testing.T) {
			sigs, err := decodeRule(t, c, c.render(map[string]string{
				"$STATUS": "no-such-status-word"}))
			if c.unknownRejected {
				if err == nil || !strings.Contains(err.Error(), "status") {
					t.Fatalf("error %v, want a refusal naming the status", err)
				}
				return
			}
			if err != nil {
				if statusOf(err) != http.StatusBadRequest {
					t.Fatalf("refused with %v, want a 400 or a signal that does not fire", err)
				}
				return
			}
			for _, s := range sigs {
				if s.Opens() {
					t.Errorf("unknown status gave %s %s, which opens an incident",
						s.Kind, s.Status)
				}
			}
		})
	}
}

func TestRulesIdentityIsStable(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.title(), func(t *testing.T) {
			base := mustDecodeOne(t, c, nil)
			// Every other status word, message, value and time: the same alert.
			for word := range mergeKeys(c.status, c.state) {
				s := mustDecodeOne(t, c, map[string]string{"$STATUS": word,
					"$MSG": "disk 97% full, was " + word, "$VALUE": "97",
					"$TIME": c.times[1]})
				if s.Fingerprint != base.Fingerprint {
					t.Errorf("status %q with new message, value and time changed the "+
						"fingerprint %s to %s", word, base.Fingerprint, s.Fingerprint)
				}
			}
			other := mustDecodeOne(t, c, map[string]string{"$ID": "id-2"})
			if other.Fingerprint == base.Fingerprint {
				t.Errorf("ids id-1 and id-2 share the fingerprint %s", base.Fingerprint)
			}
		})
	}
}

func TestRulesEmptyIDNeverMerges(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.title(), func(t *testing.T) {
			a, errA := decodeRule(t, c, c.render(map[string]string{"$ID": ""}))
			b, errB := decodeRule(t, c, c.render(map[string]string{"$ID": "", "$ALT": "alt-2"}))
			if errA != nil || errB != nil {
				for _, err := range []error{errA, errB} {
					if err != nil && statusOf(err) != http.StatusBadRequest {
						t.Errorf("empty id refused with %v, want a 400", err)
					}
				}
				return
			}
			if len(a) != 1 || len(b) != 1 {
				t.Fatalf("got %d and %d signals, want 1 each", len(a), len(b))
			}
			if a[0].Fingerprint == "" || a[0].Fingerprint == b[0].Fingerprint {
				t.Errorf("two alerts without id share the fingerprint %q", a[0].Fingerprint)
			}
		})
	}
}

func TestRulesBadTimeNamesTheField(t *testing.T) {
	for _, c := range ruleCases {
		t.Run(c.title(), func(t *testing.T) {
			w, sigs := post(t, sourceByName(t, c.source), SourceConfig{},
				c.render(map[string]string{"$TIME": c.badTime}), c.header)
			if w.Code != http.StatusBadRequest || len(sigs) != 0 {
				t.Fatalf("status %d with %d stored, want 400 and none: %s", w.Code,
					len(sigs), w.Body)
			}
			if !strings.Contains(w.Body.String(), "field "+c.timeField+":") {
				t.Errorf("error %s does not name the field %s", w.Body, c.timeField)
			}
		})
	}
}

// authCase is one way a request fails authentication.
type authCase struct {
	name   string
	cfg    SourceConfig
	header map[string]string
	guard  func(g *Guard)
}

var authCases = []authCase{
	{name: "no token", cfg: SourceConfig{Token: "t0ken"}},
	{name: "wrong bearer", cfg: SourceConfig{Token: "t0ken"},
		header: map[string]string{"Authorization": "Bearer nope"}},
	{name: "wrong X-Cerebro-Token", cfg: SourceConfig{Token: "t0ken"},
		header: map[string]string{"X-Cerebro-Token": "nope"}},
	{name: "api token expected", guard: func(g *Guard) { g.DefaultToken = "api" }},
	{name: "nothing configured off loopback", guard: func(g *Guard) { g.RequireAuth = true }},
}

func TestRulesFailedAuth(t *testing.T) {
	for _, c := range ruleCases {
		for _, a := range authCases {
			t.Run(c.title()+"/"+a.name, func(t *testing.T) {
				g := srcGuard()
				if a.guard != nil {
					a.guard(g)
				}
				w, stored := serve(t, g, c, a.cfg, c.render(nil), a.header)
				checkUnauthorized(t, g, c.source, w, stored)
			})
		}
	}
}

// TestRulesSignedSourcesIgnoreTheToken checks that a source with a signature check and a
// secret takes only the signature: the shared token alone is refused.
func TestRulesSignedSourcesIgnoreTheToken(t *testing.T) {
	for _, c := range ruleCases {
		if sourceByName(t, c.source).Verify == nil {
			continue
		}
		t.Run(c.title(), func(t *testing.T) {
			g := srcGuard()
			cfg := SourceConfig{Token: "t0ken", Secret: "s3cret"}
			w, stored := serve(t, g, c, cfg, c.render(nil),
				map[string]string{"Authorization": "Bearer t0ken"})
			checkUnauthorized(t, g, c.source, w, stored)
		})
	}
}

func TestRulesGoodAuthIsAccepted(t *testing.T) {
	for i, c := range ruleCases {
		// The scheme is case-insensitive (RFC 7235); alternate the spellings over the cases.
		scheme := [...]string{"Bearer", "bearer", "BEARER"}[i%3]
		t.Run(c.title(), func(t *testing.T) {
			w, stored := serve(t, srcGuard(), c, SourceConfig{Token: "t0ken"}, c.render(nil),
				map[string]string{"Authorization": scheme + " t0ken"})
			if w.Code != http.StatusAccepted || len(stored) != 1 {
				t.Fatalf("status %d with %d stored, want 202 and 1: %s", w.Code,
					len(stored), w.Body)
			}
		})
	}
}

// TestRulesSignatures posts a correctly signed body to each source that checks an HMAC.
func TestRulesSignatures(t *testing.T) {
	body := func(source string) []byte {
		for _, c := range ruleCases {
			if c.source == source {
				return c.render(nil)
			}
		}
		t.Fatalf("no rule case for %s", source)
		return nil
	}
	sign := func(source string) string { return hmacHex(sha256.New, "s3cret", body(source)) }
	tests := []struct {
		source string
		header map[string]string
	}{
		{"github", map[string]string{"X-GitHub-Event": "deployment_status",
			"X-Hub-Signature-256": "sha256=" + sign("github")}},
		{"sentry", map[string]string{"Sentry-Hook-Signature": sign("sentry")}},
		{"flux", map[string]string{"X-Signature": "sha256=" + sign("flux")}},
		{"pagerduty-webhook", map[string]string{
			"X-PagerDuty-Signature": "v1=00ff, v1=" + sign("pagerduty-webhook")}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			c := ruleCase{source: tt.source, header: tt.header}
			w, stored := serve(t, srcGuard(), c, SourceConfig{Secret: "s3cret"},
				body(tt.source), nil)
			if w.Code != http.StatusAccepted || len(stored) != 1 {
				t.Fatalf("status %d with %d stored, want 202 and 1: %s", w.Code,
					len(stored), w.Body)
			}
		})
	}
}

// TestRulesPagerDutyRoutingKey checks the Events v2 check: the configured secret is the
// integration's routing key, which every event must carry.
func TestRulesPagerDutyRoutingKey(t *testing.T) {
	c := ruleCases[2]
	for key, want := range map[string]int{"rk": http.StatusAccepted,
		"other": http.StatusUnauthorized} {
		w, _ := serve(t, srcGuard(), c, SourceConfig{Secret: key}, c.render(nil), nil)
		if w.Code != want {
			t.Errorf("secret %q: status %d, want %d: %s", key, w.Code, want, w.Body)
		}
	}
}

// serve posts body to the case's source through SignalHandler with guard g.
func serve(t *testing.T, g *Guard, c ruleCase, cfg SourceConfig, body []byte,
	hdr map[string]string) (*httptest.ResponseRecorder, []signal.Signal) {
	t.Helper()
	g.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	sink := &memSink{}
	h := SignalHandler(g, sourceByName(t, c.source), cfg, sink)
	r := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/"+c.source,
		bytes.NewReader(body))
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w, sink.sigs
}

func checkUnauthorized(t *testing.T, g *Guard, source string, w *httptest.ResponseRecorder,
	stored []signal.Signal) {
	t.Helper()
	if w.Code != http.StatusUnauthorized || len(stored) != 0 {
		t.Fatalf("status %d with %d stored, want 401 and none: %s", w.Code, len(stored),
			w.Body)
	}
	if !strings.Contains(w.Body.String(), `"error":"unauthorized"`) {
		t.Errorf("body %s, want error type unauthorized", w.Body)
	}
	counted := testutil.ToFloat64(g.Metrics.Rejected.WithLabelValues(source, TypeUnauthorized))
	byCode := testutil.ToFloat64(g.Metrics.Requests.WithLabelValues(source, "401"))
	if counted != 1 || byCode != 1 {
		t.Errorf("rejected{reason=unauthorized} = %v, requests{code=401} = %v; want 1 and 1",
			counted, byCode)
	}
}

func statusOf(err error) int {
	if e, ok := err.(*Error); ok {
		return e.Status
	}
	return 0
}

func mergeKeys(a map[string]signal.Status, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// TestDatadogDefaultTemplateGroups checks the default template of a multi alert monitor:
// the group is only in the title ("[Triggered on {host:a}] ..."), and it must both give
// the transition and keep the groups of one monitor apart.
func TestDatadogDefaultTemplateGroups(t *testing.T) {
	const tmpl = `{"id":"1","last_updated":"1714557600000","title":"[P2] [%s] Disk full",` +
		`"org":{"id":"11"},"body":"%%%\nfull\n[graph](https://app.datadoghq.com/` +
		`monitors/4242?from_ts=1)\n%%%"}`
	decode := func(prefix string) signal.Signal {
		t.Helper()
		body := []byte(strings.Replace(tmpl, "[%s]", "["+prefix+"]", 1))
		sigs, err := DecodeDatadog(&Request{Body: body, Received: srcNow})
		if err != nil || len(sigs) != 1 {
			t.Fatalf("%s: %d signals, %v", prefix, len(sigs), err)
		}
		return sigs[0]
	}
	a := decode("Triggered on {host:a,env:prod}")
	if a.Status != signal.StatusFiring || a.Labels["scope"] != "host:a,env:prod" ||
		a.Severity != signal.SeverityError || a.Name != "Disk full" {
		t.Errorf("got status %s scope %q severity %s name %q", a.Status, a.Labels["scope"],
			a.Severity, a.Name)
	}
	if b := decode("Triggered on {host:b,env:prod}"); b.Fingerprint == a.Fingerprint {
		t.Errorf("groups host:a and host:b share the fingerprint %s", a.Fingerprint)
	}
	r := decode("Recovered on {host:a,env:prod}")
	if r.Status != signal.StatusResolved || r.Fingerprint != a.Fingerprint {
		t.Errorf("recovery: status %s fingerprint %s, want resolved %s", r.Status,
			r.Fingerprint, a.Fingerprint)
	}
	if s := decode("Triggered"); s.Fingerprint == a.Fingerprint || s.Status != signal.StatusFiring {
		t.Errorf("simple monitor: status %s, fingerprint %s shared with a group", s.Status,
			s.Fingerprint)
	}
}

// TestIdentityFallbacks checks the identities built when a source's own id is missing.
func TestIdentityFallbacks(t *testing.T) {
	tests := []struct {
		name       string
		decode     Decoder
		a, b       string
		wantErr    string // when set, a must be refused with it
		wantShared bool
	}{
		{name: "grafana labels with empty values only are no identity", decode: DecodeGrafana,
			a: `{"orgId":1,"alerts":[{"status":"firing","labels":{"alertname":""},` +
				`"startsAt":"2024-05-01T10:00:00Z"}]}`,
			wantErr: "neither fingerprint nor labels"},
		{name: "pagerduty payload fields are named", decode: DecodePagerDuty,
			a: `{"event_action":"trigger","payload":{"summary":"s","source":"db",` +
				`"component":"x","severity":"error"}}`,
			b: `{"event_action":"trigger","payload":{"summary":"s","source":"db",` +
				`"group":"x","severity":"error"}}`},
		{name: "pagerduty summary is not identity", decode: DecodePagerDuty, wantShared: true,
			a: `{"event_action":"trigger","payload":{"summary":"CPU 91%","source":"db",` +
				`"severity":"error"}}`,
			b: `{"event_action":"trigger","payload":{"summary":"CPU 97%","source":"db",` +
				`"severity":"error"}}`},
		{name: "changes with one id across states", decode: DecodeChanges, wantShared: true,
			a: `{"id":"d-1","type":"deploy","service":"api","state":"in_progress",` +
				`"time":"2024-05-01T10:00:00Z"}`,
			b: `{"id":"d-1","type":"deploy","service":"api","state":"success",` +
				`"time":"2024-05-01T10:04:00Z"}`},
		{name: "changes without id are point events", decode: DecodeChanges,
			a: `{"type":"deploy","service":"api","time":"2024-05-01T10:00:00Z"}`,
			b: `{"type":"deploy","service":"api","time":"2024-05-01T10:04:00Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := tt.decode(&Request{Body: []byte(tt.a), Received: srcNow})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			b, errB := tt.decode(&Request{Body: []byte(tt.b), Received: srcNow})
			if err != nil || errB != nil {
				t.Fatalf("decoding: %v, %v", err, errB)
			}
			if shared := a[0].Fingerprint == b[0].Fingerprint; shared != tt.wantShared {
				t.Errorf("fingerprints %s and %s: shared %v, want %v", a[0].Fingerprint,
					b[0].Fingerprint, shared, tt.wantShared)
			}
		})
	}
}

// TestAlertmanagerResolveWithoutEnd checks that a resolved alert without endsAt takes the
// delivery time from the handler's clock, as every other source does.
func TestAlertmanagerResolveWithoutEnd(t *testing.T) {
	body := `{"version":"4","alerts":[{"status":"resolved","labels":{"alertname":"A"},` +
		`"startsAt":"2024-05-01T10:00:00Z","endsAt":"0001-01-01T00:00:00Z"}]}`
	sigs, err := DecodeAlertmanager(&Request{Body: []byte(body), Received: srcNow})
	if err != nil {
		t.Fatal(err)
	}
	if !sigs[0].EventTime.Equal(srcNow) {
		t.Errorf("event time %v, want the delivery time %v", sigs[0].EventTime, srcNow)
	}
}

// TestDocsCoverEverySource keeps docs/sources/ true to Sources(): a page per source that
// names its route, linked from the index.
func TestDocsCoverEverySource(t *testing.T) {
	index := readDoc(t, "README.md")
	for _, s := range Sources() {
		page := readDoc(t, s.Name+".md")
		if !strings.Contains(page, "`POST /api/v1/ingest/"+s.Name+"`") {
			t.Errorf("docs/sources/%s.md does not name its route", s.Name)
		}
		if !strings.Contains(index, "("+s.Name+".md)") {
			t.Errorf("docs/sources/README.md does not link %s.md", s.Name)
		}
	}
}

// TestDatadogDocTemplate fills the recommended template of docs/sources/datadog.md the way
// Datadog does and checks identity and status across a multi alert's notifications.
func TestDatadogDocTemplate(t *testing.T) {
	tmpl := docTemplate(t, "datadog.md")
	render := func(transition, group, eventID string) signal.Signal {
		t.Helper()
		title := "[" + transition + " on {" + group + "}] Disk full"
		vars := map[string]string{
			"$ID":               eventID,
			"$LAST_UPDATED":     "1714557600000",
			"$DATE":             "1714557600000",
			"$EVENT_TYPE":       "query_alert_monitor",
			"$EVENT_TITLE":      title,
			"$EVENT_MSG":        `%%%\nDisk \"/\" is 97% full\n%%%`,
			"$ORG_ID":           "11",
			"$ORG_NAME":         "example",
			"$ALERT_ID":         "4242",
			"$ALERT_TRANSITION": transition,
			"$AGGREG_KEY":       "agg-" + group,
			"$ALERT_CYCLE_KEY":  "cycle-" + group,
			"$ALERT_SCOPE":      group,
			"$ALERT_PRIORITY":   "P2",
			"$ALERT_TITLE":      title,
			"$HOSTNAME":         "web-1",
			"$TAGS":             "env:prod,service:web",
		}
		body := fillDollarVars(t, tmpl, vars)
		sigs, err := DecodeDatadog(&Request{Body: body, Received: srcNow})
		if err != nil || len(sigs) != 1 {
			t.Fatalf("decoding the doc template: %d signals, %v\n%s", len(sigs), err, body)
		}
		return sigs[0]
	}
	a := render("Triggered", "host:a", "1")
	r := render("Recovered", "host:a", "2")
	b := render("Triggered", "host:b", "3")
	if a.Status != signal.StatusFiring || r.Status != signal.StatusResolved {
		t.Errorf("statuses %s, %s; want firing, resolved", a.Status, r.Status)
	}
	if a.Fingerprint != r.Fingerprint || a.Fingerprint == b.Fingerprint {
		t.Errorf("fingerprints a %s, a recovered %s, b %s: want a twice, b apart",
			a.Fingerprint, r.Fingerprint, b.Fingerprint)
	}
	if a.Service != "web" || a.Severity != signal.SeverityError || a.Name != "Disk full" ||
		a.NativeID != "cycle-host:a" || !a.EventTime.Equal(time.UnixMilli(1714557600000)) {
		t.Errorf("got service %q severity %s name %q native id %q time %v", a.Service,
			a.Severity, a.Name, a.NativeID, a.EventTime)
	}
}

// TestArgoCDDocTemplate renders the webhook body of docs/sources/argocd.md with Go's
// text/template, as Argo CD does (toJson as Sprig defines it), and decodes it.
func TestArgoCDDocTemplate(t *testing.T) {
	body := argoBodyTemplate(t, docTemplate(t, "argocd.md"))
	tmpl, err := template.New("cerebro").Funcs(template.FuncMap{
		"toJson": func(v any) string { b, _ := json.Marshal(v); return string(b) },
	}).Parse(body)
	if err != nil {
		t.Fatalf("parsing the doc template: %v", err)
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	app := func(phase, health string, op bool) map[string]any {
		status := map[string]any{
			"sync":   map[string]any{"status": "Synced", "revision": rev},
			"health": map[string]any{"status": health},
		}
		if op {
			status["operationState"] = map[string]any{
				"phase":      phase,
				"startedAt":  "2024-05-01T10:00:00Z",
				"finishedAt": "2024-05-01T10:01:30Z",
				"message":    "successfully synced \"payments\"\n(all tasks run)",
				"syncResult": map[string]any{"revision": rev},
			}
		}
		return map[string]any{
			"metadata": map[string]any{"name": "payments", "namespace": "argocd"},
			"spec": map[string]any{"project": "default",
				"destination": map[string]any{"namespace": "prod",
					"server": "https://kubernetes.default.svc"},
				"source": map[string]any{"repoURL": "https://git.example.com/deploy.git"}},
			"status": status,
		}
	}
	decode := func(a map[string]any) signal.Signal {
		t.Helper()
		var out bytes.Buffer
		if err := tmpl.Execute(&out, map[string]any{"app": a,
			"context": map[string]any{}}); err != nil {
			t.Fatalf("rendering: %v", err)
		}
		sigs, err := DecodeArgoCD(&Request{Body: out.Bytes(), Received: srcNow})
		if err != nil || len(sigs) != 1 {
			t.Fatalf("decoding the rendered template: %d signals, %v\n%s", len(sigs), err,
				out.Bytes())
		}
		return sigs[0]
	}
	done := decode(app("Succeeded", "Healthy", true))
	c := done.Change
	if c.State != "success" || c.Commit != rev || c.Environment != "prod" ||
		done.Service != "payments" || done.Labels["cluster"] != "https://kubernetes.default.svc" ||
		!done.EventTime.Equal(time.Date(2024, 5, 1, 10, 1, 30, 0, time.UTC)) {
		t.Errorf("sync succeeded: %+v %+v", done, c)
	}
	degraded := decode(app("", "Degraded", false))
	if degraded.Change.State != "degraded" || degraded.Fingerprint != done.Fingerprint {
		t.Errorf("degraded without an operation: state %q fingerprint %s, want degraded %s",
			degraded.Change.State, degraded.Fingerprint, done.Fingerprint)
	}
}

// readDoc reads a page of docs/sources.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "sources", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// docTemplate is the fenced block that follows "<!-- cerebro:template -->" in a page.
func docTemplate(t *testing.T, page string) string {
	t.Helper()
	_, rest, ok := strings.Cut(readDoc(t, page), "<!-- cerebro:template -->")
	if !ok {
		t.Fatalf("%s has no cerebro:template marker", page)
	}
	_, rest, _ = strings.Cut(rest, "```")
	_, rest, _ = strings.Cut(rest, "\n") // the fence's language tag
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatalf("%s: the template block is not closed", page)
	}
	return block
}

// argoBodyTemplate is the indented block under "body: |" in the Argo CD ConfigMap.
func argoBodyTemplate(t *testing.T, configMap string) string {
	t.Helper()
	_, rest, ok := strings.Cut(configMap, "body: |\n")
	if !ok {
		t.Fatal("argocd.md template has no webhook body")
	}
	var lines []string
	indent := ""
	for _, l := range strings.Split(rest, "\n") {
		trimmed := strings.TrimLeft(l, " ")
		if indent == "" {
			indent = l[:len(l)-len(trimmed)]
		}
		if !strings.HasPrefix(l, indent) {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, indent))
	}
	return strings.Join(lines, "\n")
}

// fillDollarVars substitutes Datadog-style $VARIABLES, JSON-escaping the values as they
// sit inside JSON strings, and fails if the template uses one the test does not define.
func fillDollarVars(t *testing.T, tmpl string, vars map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	var pairs []string
	for _, k := range names {
		pairs = append(pairs, k, vars[k])
	}
	out := strings.NewReplacer(pairs...).Replace(tmpl)
	if i := strings.Index(out, "\"$"); i >= 0 {
		t.Fatalf("template variable with no test value at %q", clip(out[i:], 30))
	}
	return []byte(out)
}

// TestDatadogUnknownTransition checks that a title prefix that is no known transition is
// kept as the raw status, so an operator sees what Datadog sent, and that an empty prefix
// is taken off the name like any other.
func TestDatadogUnknownTransition(t *testing.T) {
	tests := []struct {
		title, raw, name string
		status           signal.Status
	}{
		{"[Bogus] High tracking", "Bogus", "High tracking", signal.StatusUnknown},
		{"[P2] [Bogus on {host:a}] High tracking", "Bogus", "High tracking",
			signal.StatusUnknown},
		{"[] High tracking", "", "High tracking", signal.StatusUnknown},
		{"[P1] [] [Triggered] High tracking", "Triggered", "High tracking",
			signal.StatusFiring},
		{"[Bogus] [Recovered] High tracking", "Recovered", "High tracking",
			signal.StatusResolved},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"id": "1", "title": tt.title,
				"last_updated": "1714557600000"})
			sigs, err := DecodeDatadog(&Request{Body: body, Received: srcNow})
			if err != nil || len(sigs) != 1 {
				t.Fatalf("%d signals, %v", len(sigs), err)
			}
			s := sigs[0]
			if s.RawStatus != tt.raw || s.Name != tt.name || s.Status != tt.status {
				t.Errorf("got raw_status %q name %q status %s, want %q %q %s", s.RawStatus,
					s.Name, s.Status, tt.raw, tt.name, tt.status)
			}
		})
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/app"
	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// live is a real server on a loopback port, fed over HTTP and read with the CLI.
type live struct {
	base string
}

func startLive(t *testing.T) *live {
	t.Helper()
	t.Setenv("CEREBRO_API_TOKEN", "")
	cfg := config.Default()
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with error: %v", err)
		}
	})
	return &live{base: "http://" + a.Addr()}
}

// payload reads a sample delivery from testdata/payloads (copies of the shared samples).
func payload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "payloads", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// post delivers body to an ingest route and wants 202.
func (l *live) post(t *testing.T, source string, body []byte) {
	t.Helper()
	resp, err := http.Post(l.base+"/api/v1/ingest/"+source, "application/json",
		bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("POST %s: %s: %s", source, resp.Status, msg)
	}
}

// incident polls the API until incident id satisfies done, since correlate and diagnose
// work on their own goroutines; it fails after 10 seconds with the last answer.
func (l *live) incident(t *testing.T, id string, done func(*signal.Incident) bool) (
	in signal.Incident) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		in = signal.Incident{}
		resp, err := http.Get(l.base + "/api/v1/incidents/" + id)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&in)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && err == nil && done(&in) {
			return in
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("incident %s not as expected within 10s: %+v", id, in)
	return in
}

// signals lists the stored signals of one source, oldest first.
func (l *live) signals(t *testing.T, source string) []signal.Signal {
	t.Helper()
	var out struct{ Signals []signal.Signal }
	if _, err := getJSON(l.base+"/api/v1/signals?source="+source, &out); err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(out.Signals)-1; i < j; i, j = i+1, j-1 {
		out.Signals[i], out.Signals[j] = out.Signals[j], out.Signals[i]
	}
	return out.Signals
}

// show runs `cerebro incidents show ID` against the server and returns what it printed.
func (l *live) show(t *testing.T, id string) string {
	t.Helper()
	root := Root()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"incidents", "show", id, "--server", l.base})
	if err := root.Execute(); err != nil {
		t.Fatalf("incidents show %s: %v", id, err)
	}
	return out.String()
}

// pdArray joins PagerDuty sample events into one delivery, so that correlate applies them
// in one batch and diagnose ranks the incident once, after all of them.
func pdArray(t *testing.T, names ...string) []byte {
	t.Helper()
	var evs []json.RawMessage
	for _, n := range names {
		evs = append(evs, payload(t, n))
	}
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resolvedAndRanked(in *signal.Incident) bool {
	return in.Status == signal.IncidentResolved && len(in.Hypotheses) > 0
}

// TestEvidenceCitesFirstSignal: a PagerDuty alert triggers, is acknowledged and resolves.
// The member shows its latest state (the resolve) while the evidence cites the trigger,
// the signal that showed the symptom; it used to cite the resolve, which has no name.
func TestEvidenceCitesFirstSignal(t *testing.T) {
	l := startLive(t)
	l.post(t, "pagerduty", pdArray(t, "pagerduty_events_v2.json",
		"pagerduty_events_v2_acknowledge.json", "pagerduty_events_v2_resolve.json"))
	in := l.incident(t, "1", resolvedAndRanked)

	sigs := l.signals(t, "pagerduty")
	if len(sigs) != 3 || sigs[0].Status != signal.StatusFiring ||
		sigs[2].Status != signal.StatusResolved {
		t.Fatalf("stored signals %+v, want trigger, acknowledge, resolve", sigs)
	}
	trigger, resolve := sigs[0].ID, sigs[2].ID
	if len(in.Members) != 1 {
		t.Fatalf("%d members, want 1", len(in.Members))
	}
	m := in.Members[0]
	if m.SignalID != resolve || m.Status != signal.StatusResolved || m.FirstSignalID != trigger {
		t.Errorf("member signal %d (%s), first %d; want latest %d (resolved), first %d",
			m.SignalID, m.Status, m.FirstSignalID, resolve, trigger)
	}
	for _, h := range in.Hypotheses {
		for _, e := range h.Evidence {
			if e.SignalID != trigger {
				t.Errorf("%s hypothesis cites signal %d, want the trigger %d", h.Kind,
					e.SignalID, trigger)
			}
		}
	}
	if out := l.show(t, "1"); !strings.Contains(out, fmt.Sprintf("signal %d\n", trigger)) {
		t.Errorf("incidents show does not cite signal %d:\n%s", trigger, out)
	}
}

// hasRows reports whether the timeline has a row of each "type: text" in want.
func hasRows(want []string) func(*signal.Incident) bool {
	return func(in *signal.Incident) bool {
		for _, w := range want {
			found := false
			for _, e := range in.Timeline {
				found = found || e.Type+": "+e.Text == w
			}
			if !found {
				return false
			}
		}
		return true
	}
}

// fingerprintLike is a signal.Identity hash, which no timeline row should show.
var fingerprintLike = regexp.MustCompile(`\b[0-9a-f]{24}\b`)

// TestTimelineNamesAlerts: every timeline row names its alert with the labels that tell
// it apart. The Alertmanager sample's two InstanceDown alerts differ only in instance and
// used to read the same; PagerDuty's acknowledge and resolve carry only the dedup key and
// used to show the identity hash instead of the name the trigger gave.
func TestTimelineNamesAlerts(t *testing.T) {
	const pdName = `alert deploy{source="monitoringtool:cloudvendor:central-region-dc-01:` +
		`000000000:cluster/api-stats-prod-003"} on prod-datapipe (pagerduty)`
	tests := []struct {
		name, source string
		body         func(t *testing.T) []byte
		rows         []string
	}{
		{"alertmanager", "alertmanager",
			func(t *testing.T) []byte { return payload(t, "alertmanager.json") },
			[]string{
				`firing: firing: alert InstanceDown{instance="host-a.example.internal:8081"} ` +
					`on node (alertmanager)`,
				`firing: firing: alert InstanceDown{instance="host-b.example.internal:8082"} ` +
					`on node (alertmanager)`,
			}},
		{"pagerduty", "pagerduty",
			func(t *testing.T) []byte {
				return pdArray(t, "pagerduty_events_v2.json",
					"pagerduty_events_v2_acknowledge.json", "pagerduty_events_v2_resolve.json")
			},
			[]string{"firing: firing: " + pdName, "acknowledged: acknowledged: " + pdName,
				"resolved: resolved: " + pdName}},
		{"grafana", "grafana",
			func(t *testing.T) []byte { return payload(t, "grafana.json") },
			[]string{`firing: firing: alert TestAlert{instance="Grafana"} (grafana)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := startLive(t)
			l.post(t, tt.source, tt.body(t))
			in := l.incident(t, "1", hasRows(tt.rows))
			for _, e := range in.Timeline {
				if fingerprintLike.MatchString(e.Text) {
					t.Errorf("%s row names a hash: %s", e.Type, e.Text)
				}
			}
			out := l.show(t, "1")
			for _, r := range tt.rows {
				typ, text, _ := strings.Cut(r, ": ")
				if !regexp.MustCompile(regexp.QuoteMeta(typ) + ` +` +
					regexp.QuoteMeta(text)).MatchString(out) {
					t.Errorf("incidents show lacks the %s row %q:\n%s", typ, text, out)
				}
			}
		})
	}
}

// aheadAlert is the Alertmanager sample's first alert, started ahead of CEREBRO's clock by
// d, as from a Prometheus whose clock runs fast.
func aheadAlert(t *testing.T, d time.Duration) []byte {
	t.Helper()
	var msg map[string]any
	if err := json.Unmarshal(payload(t, "alertmanager.json"), &msg); err != nil {
		t.Fatal(err)
	}
	alert := msg["alerts"].([]any)[0].(map[string]any)
	alert["startsAt"] = time.Now().Add(d).UTC().Format(time.RFC3339Nano)
	msg["alerts"] = []any{alert}
	b, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTimelineOneOrder: rows are listed in the order CEREBRO recorded them, each at its
// source's time, with CEREBRO's own time beside it. Ordered by the times shown, which mix
// the server's clock (opened, diagnosed) with the sources', the PagerDuty sample's
// incident listed its opening after its resolve, and an alert from a source whose clock
// runs ahead came after the opening and diagnosis it caused.
func TestTimelineOneOrder(t *testing.T) {
	trigger := time.Date(2015, 7, 17, 8, 42, 58, 315e6, time.UTC) // the sample's timestamp
	tests := []struct {
		name, source string
		body         func(t *testing.T) []byte
		done         func(*signal.Incident) bool
		types        []string
		firstAt      func(time.Time) bool // the firing row's time, the source's
	}{
		{"pagerduty", "pagerduty",
			func(t *testing.T) []byte {
				return pdArray(t, "pagerduty_events_v2.json",
					"pagerduty_events_v2_acknowledge.json", "pagerduty_events_v2_resolve.json")
			},
			resolvedAndRanked,
			[]string{"firing", "opened", "acknowledged", "resolved", "incident_resolved",
				"diagnosed"},
			func(at time.Time) bool { return at.Equal(trigger) }},
		{"source clock ahead", "alertmanager",
			func(t *testing.T) []byte { return aheadAlert(t, 2*time.Minute) },
			func(in *signal.Incident) bool { return len(in.Hypotheses) > 0 },
			[]string{"firing", "opened", "diagnosed"},
			func(at time.Time) bool { return at.After(time.Now().Add(time.Minute)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := startLive(t)
			start := time.Now()
			l.post(t, tt.source, tt.body(t))
			in := l.incident(t, "1", tt.done)

			var types []string
			var prev time.Time
			for _, e := range in.Timeline {
				types = append(types, e.Type)
				if e.RecordedAt.Before(prev) || e.RecordedAt.Before(start) {
					t.Errorf("%s row recorded at %s, after %s; want CEREBRO's clock, "+
						"rising", e.Type, e.RecordedAt, prev)
				}
				prev = e.RecordedAt
			}
			if !slices.Equal(types, tt.types) {
				t.Fatalf("timeline %v, want %v", types, tt.types)
			}
			if at := in.Timeline[0].At; !tt.firstAt(at) {
				t.Errorf("firing row at %s, want the source's time", at)
			}
			out := l.show(t, "1")
			if !regexp.MustCompile(`firing +firing: .* \(recorded [0-9:. -]+\)\n`).
				MatchString(out) {
				t.Errorf("incidents show does not give the firing row's recorded time:\n%s",
					out)
			}
		})
	}
}

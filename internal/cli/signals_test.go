package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/api"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
)

// signalServer serves a real store holding an alert and an anomaly through the API.
func signalServer(t *testing.T) (url string, alertID int64) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2026, 12, 4, 6, 0, 0, 0, time.UTC)
	sigs := []signal.Signal{{
		Kind: signal.KindAlert, Source: "alertmanager", NativeID: "a1", Fingerprint: "fp1",
		Name: "HighErrorRate", Service: "checkout", Severity: signal.SeverityCritical,
		Status: signal.StatusFiring, RawStatus: "firing", StartsAt: at, EventTime: at,
		ReceivedAt: at, Labels: map[string]string{"instance": "10.0.0.7:9090", "job": "api"},
		Annotations: map[string]string{"summary": "5xx above 5%"},
	}, {
		Kind: signal.KindAnomaly, Source: "detect", NativeID: "d1", Fingerprint: "fp2",
		Name: "http_request_duration_seconds", Service: "payments",
		Severity: signal.SeverityWarning, Status: signal.StatusFiring, StartsAt: at,
		EventTime: at.Add(time.Second), ReceivedAt: at.Add(time.Second), Value: 2.4,
		Score: 0.61, Expected: &signal.Range{Low: 1.6, High: 2.1},
	}}
	if _, err := st.AppendSignals(ctx, sigs); err != nil {
		t.Fatal(err)
	}
	got, err := st.Signals(ctx, store.SignalFilter{Kind: "alert"})
	if err != nil || len(got) != 1 {
		t.Fatalf("reading back the alert: %v, %d signals", err, len(got))
	}
	h := api.Handler(api.Options{Store: st, Gatherer: prometheus.NewRegistry(),
		Log: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL, got[0].ID
}

func runCLI(args ...string) (string, error) {
	root := Root()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// TestSignalsCommands lists and shows signals from a real store through the API, and
// checks that bad ids and filters give errors that say what is wrong.
func TestSignalsCommands(t *testing.T) {
	url, alert := signalServer(t)

	out, err := runCLI("signals", "list", "--server", url)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID", "HighErrorRate", "http_request_duration_seconds",
		"alertmanager", "detect", "checkout"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	out, err = runCLI("signals", "list", "--server", url, "--kind", "anomaly")
	if err != nil || strings.Contains(out, "HighErrorRate") ||
		!strings.Contains(out, "payments") {
		t.Errorf("list --kind anomaly: %v\n%s", err, out)
	}

	out, err = runCLI("signals", "show", strconv.FormatInt(alert, 10), "--server", url)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"alert HighErrorRate from alertmanager",
		"firing (firing), severity critical", "instance=10.0.0.7:9090",
		"summary=5xx above 5%"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"signals", "show", "0"}, `signal id "0": want a positive integer`},
		{[]string{"signals", "show", "999"}, "signal 999 not found"},
		{[]string{"signals", "list", "--kind", "bogus"}, "kind: want alert"},
	} {
		_, err := runCLI(append(tt.args, "--server", url)...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one containing %q", tt.args, err, tt.want)
		}
	}
}

// TestSignalsShowWrongAnswer: a --server URL with a query in it sends the request to
// another route. The answer, a list or another signal, used to decode into an empty
// signal and print "Signal 0:   from" with exit status 0.
func TestSignalsShowWrongAnswer(t *testing.T) {
	url, alert := signalServer(t)
	id := strconv.FormatInt(alert, 10)
	tests := []struct {
		name, server, id, want string
	}{
		{"list answer", url + "/api/v1/signals?", id,
			"answer from " + url + "/api/v1/signals?/api/v1/signals/" + id +
				" is not signal " + id + ": it has no id"},
		{"other signal", url + "/api/v1/signals/" + id + "?", "999",
			"is not signal 999: it has id " + id},
		{"signal for list", url + "/api/v1/signals/" + id + "?", "",
			"answer from " + url + "/api/v1/signals/" + id + "?/api/v1/signals? " +
				"is not a list of signals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"signals", "show", tt.id, "--server", tt.server}
			if tt.id == "" {
				args = []string{"signals", "list", "--server", tt.server}
			}
			out, err := runCLI(args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if out != "" {
				t.Errorf("printed %q, want nothing", out)
			}
		})
	}
}

// TestShowNegativeID: flag parsing read "-1" as the shorthand flag 1 and answered
// "unknown shorthand flag: '1' in -1"; a negative id gets the same error as 0 does.
func TestShowNegativeID(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"signals", "show", "-1"}, `signal id "-1": want a positive integer`},
		{[]string{"signals", "show", "-12"}, `signal id "-12": want a positive integer`},
		{[]string{"signals", "show", "--", "-1"}, `signal id "-1": want a positive integer`},
		{[]string{"incidents", "show", "-1"}, `incident id "-1": want a positive integer`},
		{[]string{"incidents", "show", "x"}, `incident id "x": want a positive integer`},
		{[]string{"signals", "show", "1", "-x"}, "unknown shorthand flag: 'x' in -x"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			// The flag goes first, since after "--" it would be an argument.
			args := append([]string{tt.args[0], tt.args[1], "--server", "http://127.0.0.1:1"},
				tt.args[2:]...)
			_, err := runCLI(args...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

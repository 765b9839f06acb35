package cli

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestIncidentsHelpNamesToken: the commands send CEREBRO_API_TOKEN as the bearer token,
// and their help must say so, or a user of a protected server sees only 401.
func TestIncidentsHelpNamesToken(t *testing.T) {
	for _, sub := range []string{"list", "show"} {
		t.Run(sub, func(t *testing.T) {
			root := Root()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetArgs([]string{"incidents", sub, "--help"})
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "CEREBRO_API_TOKEN") {
				t.Errorf("help does not mention CEREBRO_API_TOKEN:\n%s", out.String())
			}
		})
	}
}

// TestPrintIncidentDates: the first time of each day carries its date, later times of the
// same day only the time of day.
func TestPrintIncidentDates(t *testing.T) {
	day1 := time.Date(2026, 12, 3, 23, 59, 58, 0, time.Local)
	in := &signal.Incident{ID: 7, Title: "t", FirstSignalAt: day1,
		DetectedAt: day1.Add(time.Second), ResolvedAt: day1.Add(3 * time.Second),
		Timeline: []signal.Entry{{At: day1.Add(time.Second), Type: "opened"},
			{At: day1.Add(3 * time.Second), Type: "resolved"}}}
	var out bytes.Buffer
	PrintIncident(&out, in)
	got := out.String()
	for _, want := range []string{
		"first signal 2026-12-03 23:59:58.000, detected 23:59:59.000, " +
			"resolved 2026-12-04 00:00:01.000",
		"  2026-12-03 23:59:59.000  opened",
		"  2026-12-04 00:00:01.000  resolved",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

// TestIncidentsWrongAnswer: a --server URL with a query in it sends the request to
// another route, whose answer used to decode into an empty incident or list and print
// "Incident 0: " or an empty table with exit status 0.
func TestIncidentsWrongAnswer(t *testing.T) {
	url, alert := signalServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"list answer", []string{"show", "1", "--server", url + "/api/v1/incidents?"},
			"answer from " + url + "/api/v1/incidents?/api/v1/incidents/1 " +
				"is not incident 1: it has no id"},
		{"signal for list", []string{"list", "--server",
			url + "/api/v1/signals/" + strconv.FormatInt(alert, 10) + "?"},
			"is not a list of incidents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(append([]string{"incidents"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if out != "" {
				t.Errorf("printed %q, want nothing", out)
			}
		})
	}
}

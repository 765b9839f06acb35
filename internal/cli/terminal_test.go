package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func TestPrintable(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "HighErrorRate on checkout", "HighErrorRate on checkout"},
		{"unicode text", "café 日本語 🔥 Ünïcødé", "café 日本語 🔥 Ünïcødé"},
		{"newline, return, tab", "a\nb\rc\td", `a\nb\rc\td`},
		{"CSI", "\x1b[2J\x1b[31mRED", `\x1b[2J\x1b[31mRED`},
		{"OSC title", "\x1b]0;pwned\a", `\x1b]0;pwned\x07`},
		{"NUL and DEL", "a\x00b\x7f", `a\x00b\x7f`},
		{"C1 controls", "a\u0085b\u009b2J", `a\u0085b\u009b2J`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"raw C1 byte", "\x9b2J", `\x9b2J`},
		{"bidi overrides", "x\u202ey\u2066z\u2069", `x\u202ey\u2066z\u2069`},
		{"line separators", "a\u2028b\u2029c", `a\u2028b\u2029c`},
		{"replacement char kept", "a\ufffdb", "a\ufffdb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := printable(tt.in); got != tt.want {
				t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// hostileName and the rest are the tester's payload, a bidi override, a C1 CSI and DEL:
// an alert whose name clears the screen, overwrites its line and forges a table row, a
// label that retitles the terminal and a summary that forges a "Signal" line.
const (
	hostileName    = "Evil\x1b[2J\x1b[31mRED\rOVERWRITE\nFAKE-ROW  9999  alert\u202e"
	hostileService = "svc\tx"
	hostileKey     = "evil\nkey"
	hostileValue   = "v\x1b]0;pwned\a\u009b2J\x7f"
	hostileSummary = "line1\nSignal 1: alert InstanceDown \x1b[1mBOLD café"
)

// hostileAlert is an Alertmanager delivery of one alert carrying the hostile texts.
func hostileAlert(t *testing.T) []byte {
	t.Helper()
	alert := map[string]any{
		"status": "firing", "startsAt": "2026-12-04T05:40:00Z",
		"endsAt": "0001-01-01T00:00:00Z", "fingerprint": "deadbeef00000001",
		"labels": map[string]string{"alertname": hostileName, "service": hostileService,
			hostileKey: hostileValue},
		"annotations": map[string]string{"summary": hostileSummary},
	}
	b, err := json.Marshal(map[string]any{
		"version": "4", "groupKey": `{}:{alertname="Evil"}`, "status": "firing",
		"receiver": "r", "groupLabels": map[string]string{},
		"commonLabels": map[string]string{}, "commonAnnotations": map[string]string{},
		"externalURL": "http://x", "alerts": []any{alert},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawControl returns the first character in out that could steer a terminal, other than
// the newlines the CLI writes itself, and whether there is one.
func rawControl(out string) (string, bool) {
	for i, r := range out {
		if r == utf8.RuneError || (r < 0x20 && r != '\n') || r == 0x7f || hidden(r) {
			return out[i:min(i+8, len(out))], true
		}
	}
	return "", false
}

// TestHostileTextEscaped posts an alert with terminal escapes, controls and newlines in its
// name, service, labels and summary, and reads it back with all four commands. Each used
// to print them raw: the reader's screen was cleared, the terminal retitled and a table
// row forged. Now every one is shown escaped, and the tables keep one row per item.
func TestHostileTextEscaped(t *testing.T) {
	l := startLive(t)
	l.post(t, "alertmanager", hostileAlert(t))
	l.incident(t, "1", func(in *signal.Incident) bool { return len(in.Hypotheses) > 0 })
	name, value := printable(hostileName), printable(hostileValue)
	tests := []struct {
		args []string
		rows int // lines of a table: the header and one per item; 0 for a show
		want []string
	}{
		{[]string{"signals", "list"}, 2, []string{name, `svc\tx`}},
		{[]string{"signals", "show", "1"}, 0, []string{"alert " + name + " from",
			`service:   svc\tx`, `evil\nkey=` + value, `summary=` + printable(hostileSummary),
			`\u202e`, `\u009b2J\x7f`, "café"}},
		{[]string{"incidents", "list"}, 2, []string{name}},
		{[]string{"incidents", "show", "1"}, 0, []string{"Incident 1: " + name,
			`services:  svc\tx`, "its first symptom is " + name, "firing: alert " + name}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := runCLI(append(tt.args, "--server", l.base)...)
			if err != nil {
				t.Fatal(err)
			}
			if s, bad := rawControl(out); bad {
				t.Errorf("output has a raw control at %q:\n%s", s, out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if n := strings.Count(out, "\n"); tt.rows > 0 && n != tt.rows {
				t.Errorf("table has %d lines, want %d:\n%s", n, tt.rows, out)
			}
			if strings.Contains(out, "\nFAKE-ROW") || strings.Contains(out, "\nSignal 1:") {
				t.Errorf("output has a forged line:\n%s", out)
			}
		})
	}
}

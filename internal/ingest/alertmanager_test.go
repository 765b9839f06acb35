package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func TestDecodeAlertmanager(t *testing.T) {
	const tmpl = `{"version":"4","groupKey":"g","status":"firing","alerts":[{"status":"%s",` +
		`"labels":{"alertname":"A","service":"api","severity":"%s"},"annotations":{},` +
		`"startsAt":"2023-06-12T08:24:38.326Z","endsAt":"%s","fingerprint":"%s"}]}`
	tests := []struct {
		name, status, sev, ends, fp string
		wantStatus                  signal.Status
		wantSev                     signal.Severity
		wantEndsZero                bool
		wantErr                     string
	}{
		{"firing with Go zero end", "firing", "critical", "0001-01-01T00:00:00Z", "7f39",
			signal.StatusFiring, signal.SeverityCritical, true, ""},
		{"resolved with end", "resolved", "warning", "2023-06-12T08:30:00Z", "7f39",
			signal.StatusResolved, signal.SeverityWarning, false, ""},
		{"unknown status is flagged", "pending", "", "0001-01-01T00:00:00Z", "7f39",
			signal.StatusUnknown, signal.SeverityNone, true, ""},
		{"empty fingerprint falls back to labels", "firing", "info", "0001-01-01T00:00:00Z", "",
			signal.StatusFiring, signal.SeverityInfo, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(strings.NewReplacer("%s", "\x00").Replace(tmpl))
			body = fill(body, tt.status, tt.sev, tt.ends, tt.fp)
			sigs, err := DecodeAlertmanager(&Request{Body: body})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			s := sigs[0]
			if s.Status != tt.wantStatus || s.Severity != tt.wantSev {
				t.Errorf("status %s severity %s, want %s %s", s.Status, s.Severity,
					tt.wantStatus, tt.wantSev)
			}
			if s.EndsAt.IsZero() != tt.wantEndsZero {
				t.Errorf("EndsAt = %v, want zero=%v", s.EndsAt, tt.wantEndsZero)
			}
			if s.NativeID != tt.fp || s.Fingerprint == "" || s.Group != "g" {
				t.Errorf("identity: native %q fingerprint %q group %q", s.NativeID,
					s.Fingerprint, s.Group)
			}
			if tt.status == "resolved" && !s.EventTime.Equal(s.EndsAt) {
				t.Errorf("resolve event time %v, want its end %v", s.EventTime, s.EndsAt)
			}
			if tt.status == "firing" && !s.EventTime.Equal(time.Date(2023, 6, 12, 8, 24, 38,
				326e6, time.UTC)) {
				t.Errorf("firing event time %v, want its start", s.EventTime)
			}
		})
	}
}

func TestDecodeAlertmanagerRejects(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"wrong version", `{"version":"3","alerts":[]}`, `version "3" not supported`},
		{"no version", `{"alerts":[]}`, "missing version"},
		{"no start", `{"version":"4","alerts":[{"status":"firing","labels":{"a":"b"}}]}`,
			"startsAt is missing"},
		{"no identity", `{"version":"4","alerts":[{"status":"firing","startsAt":` +
			`"2023-06-12T08:24:38Z"}]}`, "neither fingerprint nor labels"},
		{"trailing data", `{"version":"4","alerts":[]} {}`, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeAlertmanager(&Request{Body: []byte(tt.body)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// fill replaces the NUL placeholders in order.
func fill(b []byte, vals ...string) []byte {
	out := string(b)
	for _, v := range vals {
		out = strings.Replace(out, "\x00", v, 1)
	}
	return []byte(out)
}

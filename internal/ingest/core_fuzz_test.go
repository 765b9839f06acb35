package ingest

import (
	"os"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// fuzzDecoder checks that a decoder never panics and that whatever it accepts is a valid
// signal with an identity.
func fuzzDecoder(f *testing.F, decode Decoder, seeds ...string) {
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		} else {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sigs, err := decode(&Request{Body: body})
		if err != nil {
			return
		}
		for i := range sigs {
			s := sigs[i]
			s.Source = "fuzz"
			if err := s.Validate(); err != nil {
				t.Fatalf("accepted an invalid signal %+v: %v", s, err)
			}
			if s.Status != signal.StatusFiring && s.Status != signal.StatusResolved &&
				s.Status != signal.StatusAcknowledged && s.Status != signal.StatusUnknown {
				t.Fatalf("status %q outside the fixed set", s.Status)
			}
		}
	})
}

func FuzzDecodeAlertmanager(f *testing.F) {
	fuzzDecoder(f, DecodeAlertmanager,
		"testdata/core/alertmanager.json",
		"testdata/core/alertmanager_0.25_captured.json",
		`{"version":"4","alerts":[{"status":"firing","labels":{},"startsAt":"2020-01-01T00:00:00Z"}]}`)
}

func FuzzDecodeEvents(f *testing.F) {
	fuzzDecoder(f, DecodeEvents,
		`{"id":"x","name":"n","service":"s","status":"firing","starts_at":"2020-01-01T00:00:00Z"}`,
		`[{"name":"n","status":"resolved","time":"2020-01-01T00:00:00Z","labels":{"a":"b"}}]`)
}

func FuzzDecodeChanges(f *testing.F) {
	fuzzDecoder(f, DecodeChanges,
		`{"type":"deploy","service":"s","version":"v2","time":"2020-01-01T00:00:00Z"}`,
		`[{"type":"rollback","service":"s","time":"2020-01-01T00:00:00+02:00"}]`)
}

package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// fuzzSources are the alert and change sources with no network behind them: CloudWatch
// confirms subscriptions and fetches certificates, so its fetcher refuses here.
func fuzzSources() []Source {
	srcs := Sources()
	for i, s := range srcs {
		if s.Name == "cloudwatch" {
			cw := NewCloudWatch(nil)
			cw.Fetch = func(context.Context, string) ([]byte, error) {
				return nil, errors.New("no network while fuzzing")
			}
			srcs[i] = cw.Source()
		}
	}
	return srcs
}

// FuzzSources runs arbitrary bodies through every source's whole route (decoding,
// normalization, identity) and checks the contract: an answer of 202 or 4xx, never a
// panic or 5xx; nothing stored unless 202; every stored signal named after its source,
// with an identity and a known status. The seeds are the real samples of each source.
func FuzzSources(f *testing.F) {
	srcs := fuzzSources()
	for _, c := range loadCases(f) {
		body, err := os.ReadFile(filepath.Join("testdata", "sources", c.File))
		if err != nil {
			f.Fatal(err)
		}
		for i, s := range srcs {
			if s.Name == c.Source {
				f.Add(uint8(i), body)
			}
		}
	}
	f.Fuzz(func(t *testing.T, idx uint8, body []byte) {
		src := srcs[int(idx)%len(srcs)]
		w, sigs := post(t, src, SourceConfig{}, body, nil)
		switch {
		case w.Code == 202:
		case w.Code >= 400 && w.Code < 500:
			if len(sigs) != 0 {
				t.Fatalf("%s answered %d but stored %d signals", src.Name, w.Code, len(sigs))
			}
			return
		default:
			t.Fatalf("%s answered %d: %s", src.Name, w.Code, w.Body)
		}
		for _, s := range sigs {
			checkFuzzedSignal(t, src.Name, s)
		}
	})
}

func checkFuzzedSignal(t *testing.T, source string, s signal.Signal) {
	t.Helper()
	if s.Source != source || s.Fingerprint == "" {
		t.Fatalf("%s stored a signal with source %q fingerprint %q", source, s.Source,
			s.Fingerprint)
	}
	switch s.Status {
	case signal.StatusFiring, signal.StatusResolved, signal.StatusAcknowledged,
		signal.StatusUnknown:
	default:
		t.Fatalf("%s stored status %q for kind %s", source, s.Status, s.Kind)
	}
}

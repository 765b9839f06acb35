package lab

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// fakeCerebro records the change events posted to it, answering with code.
type fakeCerebro struct {
	mu     sync.Mutex
	code   int
	bodies [][]byte
	auth   []string
}

func (f *fakeCerebro) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path != "/api/v1/ingest/changes" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	f.bodies = append(f.bodies, body)
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	w.WriteHeader(f.code)
}

func TestChangeEvents(t *testing.T) {
	fc := &fakeCerebro{code: http.StatusAccepted}
	srv := httptest.NewServer(fc)
	defer srv.Close()
	tl := newTestLab(t, Config{CerebroURL: srv.URL + "/", CerebroToken: "s3cret"})
	ctx := context.Background()

	tl.clock.Advance(time.Minute)
	deployAt := tl.clock.Now()
	if err := tl.Deploy(ctx, "payments", "v2-leaky"); err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	tl.clock.Advance(time.Minute)
	if err := tl.Rollback(ctx, "payments"); err != nil {
		t.Fatalf("Rollback: %v", err)
	}

	want := []struct {
		typ, version, previous string
		at                     time.Time
	}{
		{"deploy", "v2-leaky", "v1.0.0", deployAt},
		{"rollback", "v1.0.0", "v2-leaky", deployAt.Add(time.Minute)},
	}
	if len(fc.bodies) != len(want) {
		t.Fatalf("CEREBRO got %d change events, want %d", len(fc.bodies), len(want))
	}
	for i, w := range want {
		// CEREBRO's own decoder must take the event as it is.
		sigs, err := ingest.DecodeChanges(&ingest.Request{Body: fc.bodies[i]})
		if err != nil {
			t.Fatalf("event %d does not decode: %v\n%s", i, err, fc.bodies[i])
		}
		s := sigs[0]
		if s.Kind != signal.KindChange || s.Service != "payments" || s.Change.Type != w.typ ||
			s.Change.Version != w.version || s.Change.PreviousVersion != w.previous ||
			!s.StartsAt.Equal(w.at) || len(s.Change.Commit) != 12 ||
			s.Change.Environment != "lab" {
			t.Errorf("event %d = %+v %+v", i, s, s.Change)
		}
		if fc.auth[i] != "Bearer s3cret" {
			t.Errorf("event %d Authorization = %q", i, fc.auth[i])
		}
		var raw map[string]any
		if err := json.Unmarshal(fc.bodies[i], &raw); err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse(time.RFC3339, raw["time"].(string)); err != nil {
			t.Errorf("event %d time is not RFC 3339: %v", i, err)
		}
	}
}

// TestChangeEventRefused checks that a deploy stands when CEREBRO refuses its event, and
// that the caller learns it.
func TestChangeEventRefused(t *testing.T) {
	fc := &fakeCerebro{code: http.StatusInternalServerError}
	srv := httptest.NewServer(fc)
	defer srv.Close()
	tl := newTestLab(t, Config{CerebroURL: srv.URL})

	err := tl.Deploy(context.Background(), "payments", "v2-leaky")
	if !errors.Is(err, ErrChangeNotPosted) {
		t.Fatalf("Deploy error = %v, want ErrChangeNotPosted", err)
	}
	if got := tl.scrape(t, "payments").version; got != "v2-leaky" {
		t.Errorf("version = %q, want the deploy to stand", got)
	}
}

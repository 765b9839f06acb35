package lab

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// FuzzControlAPI feeds arbitrary bodies to the deploy and rollback routes: the lab must
// answer 200, 400 or 404, never panic, and keep serving valid metrics.
func FuzzControlAPI(f *testing.F) {
	f.Add("/deploy", []byte(`{"service":"payments","version":"v2-leaky"}`))
	f.Add("/deploy", []byte(`{"service":"payments","version":"v2","fault":"memory-leak"}`))
	f.Add("/rollback", []byte(`{"service":"payments"}`))
	f.Add("/deploy", []byte(`{"service":"","version":""}`))
	f.Add("/rollback", []byte(`[]`))
	f.Add("/deploy", []byte("\x00\xff{"))
	clock := NewManualClock(start)
	l, err := New(Config{Clock: clock}, discardLog())
	if err != nil {
		f.Fatal(err)
	}
	h := l.Handler()
	f.Fuzz(func(t *testing.T, path string, body []byte) {
		if path != "/deploy" && path != "/rollback" {
			path = "/deploy"
		}
		clock.Advance(time.Second)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound:
		default:
			t.Fatalf("POST %s %q = %d %s", path, body, rec.Code, rec.Body)
		}

		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte("lab_build_info")) {
			t.Fatalf("metrics after POST %s %q: %d", path, body, rec.Code)
		}
	})
}

// BenchmarkScrape measures one scrape of every service, a second of simulated time apart.
func BenchmarkScrape(b *testing.B) {
	clock := NewManualClock(start)
	l, err := New(Config{Clock: clock}, discardLog())
	if err != nil {
		b.Fatal(err)
	}
	g := l.gatherers()
	b.ReportAllocs()
	for b.Loop() {
		clock.Advance(time.Second)
		if _, err := g.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}

package lab

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/prompb"
)

func TestPush(t *testing.T) {
	var got prompb.WriteRequest
	var headers http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		headers = r.Header.Clone()
		body, _ := io.ReadAll(r.Body)
		raw, err := snappy.Decode(nil, body)
		if err == nil {
			err = got.Unmarshal(raw)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	tl := newTestLab(t, Config{PushURL: srv.URL})
	tl.clock.Advance(time.Minute)

	if err := tl.Push(context.Background()); err != nil {
		t.Fatalf("Push: %v", err)
	}
	for k, v := range map[string]string{
		"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
		"X-Prometheus-Remote-Write-Version": "0.1.0",
	} {
		if headers.Get(k) != v {
			t.Errorf("header %s = %q, want %q", k, headers.Get(k), v)
		}
	}

	// Per service: the series names seen, and the labels sorted as remote_write requires.
	seen := make(map[string]map[string]bool)
	for _, ts := range got.Timeseries {
		lbl := make(map[string]string)
		if !sort.SliceIsSorted(ts.Labels, func(i, j int) bool {
			return ts.Labels[i].Name < ts.Labels[j].Name
		}) {
			t.Errorf("labels not sorted: %v", ts.Labels)
		}
		for _, l := range ts.Labels {
			lbl[l.Name] = l.Value
		}
		if lbl["job"] != "lab" || lbl["instance"] != lbl["service"] {
			t.Errorf("series %v lacks its target labels", ts.Labels)
		}
		if len(ts.Samples) != 1 || ts.Samples[0].Timestamp != tl.clock.Now().UnixMilli() {
			t.Errorf("series %v samples %v", ts.Labels, ts.Samples)
		}
		if seen[lbl["service"]] == nil {
			seen[lbl["service"]] = make(map[string]bool)
		}
		seen[lbl["service"]][lbl["__name__"]+lbl["le"]] = true
	}
	for _, svc := range tl.Services() {
		for _, name := range []string{"http_requests_total", "http_request_duration_seconds_sum",
			"http_request_duration_seconds_count", "http_request_duration_seconds_bucket+Inf",
			"http_request_duration_seconds_bucket0.25", "process_resident_memory_bytes",
			"process_cpu_seconds_total", "lab_build_info"} {
			if !seen[svc][name] {
				t.Errorf("no %s series for %s", name, svc)
			}
		}
	}
}

func TestPushFailure(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "out of disk", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	tl := newTestLab(t, Config{PushURL: srv.URL})
	if err := tl.Push(context.Background()); err == nil {
		t.Fatal("Push to a failing receiver returned nil")
	}
}

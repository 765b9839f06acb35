package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/bus"
	"github.com/cerebro-aiops/cerebro/internal/correlate"
	"github.com/cerebro-aiops/cerebro/internal/diagnose"
	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/store"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

// The semantics cases live in testdata/semantics as data: deliveries through the real
// ingest handlers, restarts, and what the store must hold afterwards.

type semCase struct {
	Name   string              `yaml:"name"`
	Graph  map[string][]string `yaml:"graph"`
	Steps  []semStep           `yaml:"steps"`
	Expect semExpect           `yaml:"expect"`
}

type semStep struct {
	AM      *amStep        `yaml:"am"`
	Event   map[string]any `yaml:"event"`
	Change  map[string]any `yaml:"change"`
	Restart bool           `yaml:"restart"`
	Check   *semExpect     `yaml:"check"`
}

type amStep struct {
	Group  string    `yaml:"group"`
	Alerts []amAlert `yaml:"alerts"`
}

type amAlert struct {
	FP      string            `yaml:"fp"`
	Name    string            `yaml:"name"`
	Service string            `yaml:"service"`
	Labels  map[string]string `yaml:"labels"`
	Status  string            `yaml:"status"`
	Start   float64           `yaml:"start"`
	End     *float64          `yaml:"end"`
}

type semExpect struct {
	Signals   *int      `yaml:"signals"`
	Incidents *[]semInc `yaml:"incidents"`
}

type semInc struct {
	Status      string         `yaml:"status"`
	Services    []string       `yaml:"services"`
	Members     int            `yaml:"members"`
	OpenMembers *int           `yaml:"open_members"`
	Timeline    map[string]int `yaml:"timeline"`
	Top         *struct {
		Kind    string `yaml:"kind"`
		Service string `yaml:"service"`
	} `yaml:"top"`
}

var semBase = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(sec float64) string {
	return semBase.Add(time.Duration(sec * float64(time.Second))).Format(time.RFC3339Nano)
}

func TestSemantics(t *testing.T) {
	files, _ := filepath.Glob("testdata/semantics/*.yaml")
	if len(files) == 0 {
		t.Fatal("no semantics cases found")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c semCase
		if err := yaml.UnmarshalWithOptions(raw, &c, yaml.Strict()); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Log(c.Name)
			h := newHarness(t, c.Graph)
			for i, s := range c.Steps {
				h.step(t, i, s)
			}
			h.check(t, "expect", c.Expect)
		})
	}
}

// harness is one "server": store, correlate and diagnose, driven synchronously.
type harness struct {
	dir   string
	graph *topology.Graph
	st    *store.Store
	cor   *correlate.Engine
	diag  *diagnose.Engine
	sink  *signalSink
	guard *ingest.Guard
	ids   []int64
}

func (h *harness) IncidentsChanged(ids []int64) { h.ids = append(h.ids, ids...) }

func newHarness(t *testing.T, graph map[string][]string) *harness {
	h := &harness{dir: t.TempDir(), graph: topology.New()}
	for caller, callees := range graph {
		for _, c := range callees {
			h.graph.Add(caller, c)
		}
	}
	h.open(t)
	t.Cleanup(func() { h.st.Close() })
	return h
}

func (h *harness) open(t *testing.T) {
	st, err := store.Open(context.Background(), h.dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	h.st = st
	h.diag = diagnose.New(st, h.graph, log, nil)
	h.cor = correlate.New(st, h.graph, correlate.Config{Window: 10 * time.Minute, Hops: 2},
		nil, h, log, nil)
	h.sink = &signalSink{st: st, topic: bus.NewTopic()}
	h.guard = &ingest.Guard{Metrics: ingest.NewMetrics(prometheus.NewRegistry()), Log: log,
		Now: func() time.Time { return semBase.Add(time.Hour) }}
}

func (h *harness) step(t *testing.T, i int, s semStep) {
	switch {
	case s.AM != nil:
		h.post(t, i, "alertmanager", amBody(s.AM))
	case s.Event != nil:
		h.post(t, i, "events", jsonTimes(s.Event))
	case s.Change != nil:
		h.post(t, i, "changes", jsonTimes(s.Change))
	case s.Restart:
		h.st.Close()
		h.open(t)
		return
	case s.Check != nil:
		h.check(t, fmt.Sprintf("step %d", i), *s.Check)
		return
	}
	h.settle(t)
}

func (h *harness) post(t *testing.T, i int, source string, body []byte) {
	var src ingest.Source
	for _, s := range ingest.Sources() {
		if s.Name == source {
			src = s
		}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/ingest/"+source, bytes.NewReader(body))
	ingest.SignalHandler(h.guard, src, ingest.SourceConfig{}, h.sink).ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("step %d: %s answered %d: %s", i, source, rec.Code, rec.Body)
	}
}

// settle runs correlate until the log is consumed, then diagnoses what changed.
func (h *harness) settle(t *testing.T) {
	ctx := context.Background()
	for {
		n, err := h.cor.Step(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	for _, id := range h.ids {
		if err := h.diag.Diagnose(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	h.ids = nil
}

func (h *harness) check(t *testing.T, where string, e semExpect) {
	ctx := context.Background()
	if e.Signals != nil {
		sigs, err := h.st.Signals(ctx, store.SignalFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		alerts := 0
		for _, s := range sigs {
			if s.Kind != signal.KindChange {
				alerts++
			}
		}
		if alerts != *e.Signals {
			t.Errorf("%s: %d stored signals, want %d", where, alerts, *e.Signals)
		}
	}
	if e.Incidents == nil {
		return
	}
	list, err := h.st.Incidents(ctx, store.IncidentFilter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(list)
	if len(list) != len(*e.Incidents) {
		t.Fatalf("%s: %d incidents, want %d: %+v", where, len(list), len(*e.Incidents), list)
	}
	for k, want := range *e.Incidents {
		in, err := h.st.Incident(ctx, list[k].ID)
		if err != nil {
			t.Fatal(err)
		}
		checkIncident(t, fmt.Sprintf("%s: incident %d", where, in.ID), in, want)
	}
}

func checkIncident(t *testing.T, where string, in signal.Incident, want semInc) {
	t.Helper()
	if want.Status != "" && string(in.Status) != want.Status {
		t.Errorf("%s: status %s, want %s", where, in.Status, want.Status)
	}
	if want.Services != nil && !slices.Equal(in.Services, want.Services) {
		t.Errorf("%s: services %v, want %v", where, in.Services, want.Services)
	}
	if want.Members != 0 && len(in.Members) != want.Members {
		t.Errorf("%s: %d members, want %d", where, len(in.Members), want.Members)
	}
	if want.OpenMembers != nil {
		open := 0
		for _, m := range in.Members {
			if m.Status != signal.StatusResolved {
				open++
			}
		}
		if open != *want.OpenMembers {
			t.Errorf("%s: %d open members, want %d", where, open, *want.OpenMembers)
		}
	}
	if want.Timeline != nil {
		got := map[string]int{}
		for _, e := range in.Timeline {
			if e.Type != "opened" && e.Type != "diagnosed" {
				got[e.Type]++
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want.Timeline) {
			t.Errorf("%s: timeline %v, want %v", where, got, want.Timeline)
		}
	}
	if want.Top != nil {
		if len(in.Hypotheses) == 0 {
			t.Fatalf("%s: no hypotheses", where)
		}
		h := in.Hypotheses[0]
		if h.Kind != want.Top.Kind || h.Service != want.Top.Service {
			t.Errorf("%s: top hypothesis %s on %s, want %s on %s", where, h.Kind, h.Service,
				want.Top.Kind, want.Top.Service)
		}
	}
}

// amBody renders an Alertmanager version 4 webhook for the given alerts.
func amBody(s *amStep) []byte {
	type alert struct {
		Status       string            `json:"status"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
		StartsAt     string            `json:"startsAt"`
		EndsAt       string            `json:"endsAt"`
		GeneratorURL string            `json:"generatorURL"`
		Fingerprint  string            `json:"fingerprint"`
	}
	var alerts []alert
	status := "resolved"
	for _, a := range s.Alerts {
		labels := map[string]string{"alertname": a.Name, "service": a.Service}
		for k, v := range a.Labels {
			labels[k] = v
		}
		end := "0001-01-01T00:00:00Z"
		if a.End != nil {
			end = at(*a.End)
		}
		if a.Status == "firing" {
			status = "firing"
		}
		alerts = append(alerts, alert{Status: a.Status, Labels: labels,
			Annotations: map[string]string{"summary": a.Name}, StartsAt: at(a.Start),
			EndsAt: end, Fingerprint: a.FP})
	}
	body, _ := json.Marshal(map[string]any{"version": "4", "groupKey": s.Group,
		"status": status, "receiver": "cerebro", "alerts": alerts,
		"groupLabels": map[string]string{}, "commonLabels": map[string]string{},
		"commonAnnotations": map[string]string{}, "externalURL": "http://am",
		"truncatedAlerts": 0})
	return body
}

// jsonTimes renders an event or change with its numeric time fields as RFC 3339.
func jsonTimes(m map[string]any) []byte {
	out := map[string]any{}
	for k, v := range m {
		switch k {
		case "starts_at", "ends_at", "time":
			out[k] = at(toFloat(v))
		default:
			out[k] = v
		}
	}
	body, _ := json.Marshal(out)
	return body
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case float64:
		return x
	}
	panic(fmt.Sprintf("not a number: %v", v))
}

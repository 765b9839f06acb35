package pull

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// fakeProm answers the two query endpoints with canned results and records the calls.
type fakeProm struct {
	mu    sync.Mutex
	calls []string
	fail  bool
	// failRange answers range queries as Prometheus does one of too many points.
	failRange bool
}

func (f *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if f.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"down"}`)
		return
	}
	q := r.Form.Get("query")
	switch r.URL.Path {
	case "/api/v1/query":
		f.calls = append(f.calls, fmt.Sprintf("query %s @%s", q, r.Form.Get("time")))
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[`+
			`{"metric":{"__name__":"up","job":"api"},"value":[%s,"1"]},`+
			`{"metric":{"job":"db"},"value":[%s,"NaN"]}]}}`,
			r.Form.Get("time"), r.Form.Get("time"))
	case "/api/v1/query_range":
		f.calls = append(f.calls, fmt.Sprintf("range %s %s..%s step %s", q,
			r.Form.Get("start"), r.Form.Get("end"), r.Form.Get("step")))
		if f.failRange {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"exceeded `+
				`maximum resolution of 11,000 points per timeseries"}`)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[`+
			`{"metric":{"job":"api"},"values":[[1030,"2"],[1045,"3"]]}]}}`)
	default:
		http.NotFound(w, r)
	}
}

type recSink struct{ got []signal.Series }

func (s *recSink) AcceptSeries(_ context.Context, in []signal.Series) error {
	s.got = append(s.got, in...)
	return nil
}

func lbl(kv ...string) []signal.Label {
	var ls []signal.Label
	for i := 0; i+1 < len(kv); i += 2 {
		ls = append(ls, signal.Label{Name: kv[i], Value: kv[i+1]})
	}
	return ls
}

// TestPoll drives a Puller through a normal poll, a failure and the catch-up after it.
func TestPoll(t *testing.T) {
	fp := &fakeProm{}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	sink := &recSink{}
	p := New(Config{URL: srv.URL, Interval: 15 * time.Second,
		Selectors: []string{"up", "sum(rate(x[1m]))"}}, sink, nil, nil)
	client, err := p.client()
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(1000, 0)
	p.now = func() time.Time { return clock }

	steps := []struct {
		name      string
		at        int64
		fail      bool
		wantCalls []string
		want      []signal.Series
	}{{
		name:      "first poll queries now",
		at:        1000,
		wantCalls: []string{"query up @1000", "query sum(rate(x[1m])) @1000"},
		want: []signal.Series{
			{Labels: lbl("__name__", "up", "job", "api"), Points: []signal.Point{{T: 1000000, V: 1}}},
			{Labels: lbl("__name__", "up", "job", "api"), Points: []signal.Point{{T: 1000000, V: 1}}},
		},
	}, {
		name: "server down", at: 1015, fail: true,
	}, {
		name: "gap caught up with a range query",
		at:   1045,
		wantCalls: []string{"range up 1015..1045 step 15",
			"range sum(rate(x[1m])) 1015..1045 step 15"},
		want: []signal.Series{
			{Labels: lbl("__name__", "up", "job", "api"),
				Points: []signal.Point{{T: 1030000, V: 2}, {T: 1045000, V: 3}}},
			{Labels: lbl("__name__", "sum(rate(x[1m]))", "job", "api"),
				Points: []signal.Point{{T: 1030000, V: 2}, {T: 1045000, V: 3}}},
		},
	}, {
		name:      "back to instant queries",
		at:        1060,
		wantCalls: []string{"query up @1060", "query sum(rate(x[1m])) @1060"},
		want: []signal.Series{
			{Labels: lbl("__name__", "up", "job", "api"), Points: []signal.Point{{T: 1060000, V: 1}}},
			{Labels: lbl("__name__", "up", "job", "api"), Points: []signal.Point{{T: 1060000, V: 1}}},
		},
	}}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			fp.fail, fp.calls, sink.got = st.fail, nil, nil
			clock = time.Unix(st.at, 0)
			p.Poll(context.Background(), client)
			if !reflect.DeepEqual(fp.calls, st.wantCalls) {
				t.Errorf("calls %q, want %q", fp.calls, st.wantCalls)
			}
			if !reflect.DeepEqual(sink.got, st.want) {
				t.Errorf("sink got %v, want %v", sink.got, st.want)
			}
		})
	}
}

// TestCatchUpGivenUp checks that a range query the server refuses is not asked for again
// at every poll, while a server that answers nothing keeps the gap for later.
func TestCatchUpGivenUp(t *testing.T) {
	fp := &fakeProm{}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	reg := prometheus.NewRegistry()
	p := New(Config{URL: srv.URL, Interval: 15 * time.Second, Selectors: []string{"up"}},
		&recSink{}, nil, reg)
	client, err := p.client()
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name            string
		at              int64
		fail, failRange bool
		wantCalls       []string
	}{
		{name: "first poll", at: 1000, wantCalls: []string{"query up @1000"}},
		{name: "down", at: 1015, fail: true},
		{name: "down, catch-up and instant fail", at: 1030, fail: true},
		{name: "back, gap kept", at: 1060, failRange: true,
			wantCalls: []string{"range up 1015..1060 step 15", "query up @1060"}},
		{name: "gap given up", at: 1075, wantCalls: []string{"query up @1075"}},
	}
	for _, st := range steps {
		fp.fail, fp.failRange, fp.calls = st.fail, st.failRange, nil
		p.now = func() time.Time { return time.Unix(st.at, 0) }
		p.Poll(context.Background(), client)
		if !reflect.DeepEqual(fp.calls, st.wantCalls) {
			t.Errorf("%s: calls %q, want %q", st.name, fp.calls, st.wantCalls)
		}
	}
	if n := testutil.ToFloat64(p.m.abandoned); n != 1 {
		t.Errorf("%v catch-ups abandoned, want 1", n)
	}
}

// TestRangeSteps checks that a catch-up asks for at most maxRangeSteps steps.
func TestRangeSteps(t *testing.T) {
	p := New(Config{URL: "http://p", Interval: time.Second, MaxCatchUp: 5 * time.Hour},
		&recSink{}, nil, nil)
	now := time.Unix(100000, 0)
	cases := []struct{ last, want int64 }{
		{99000, 99001}, // a short gap: from the first step missed
		{60000, 90000}, // 40,000 steps: the last 10,000
		{1000, 90000},  // beyond max_catch_up too
	}
	for _, tc := range cases {
		if got := p.rangeStart(time.Unix(tc.last, 0), now).Unix(); got != tc.want {
			t.Errorf("rangeStart(%d) = %d, want %d", tc.last, got, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "http://p", Selectors: []string{"up"}}, ""},
		{Config{}, "pull.url: required\npull.selectors: at least one is required"},
		{Config{URL: "http://p", Selectors: []string{""}}, "pull.selectors[0]: empty"},
		{Config{URL: "http://p", Selectors: []string{"up", "up{"}},
			`pull.selectors[1]: "up{": not PromQL: 1:4: parse error: ` +
				"unexpected end of input inside braces"},
		{Config{URL: "http://p", Selectors: []string{"up"}, Interval: -time.Second,
			MaxCatchUp: -time.Minute, Timeout: -time.Second},
			"pull.interval: -1s is negative\npull.max_catch_up: -1m0s is negative\n" +
				"pull.timeout: -1s is negative"},
		{Config{URL: "http://p", Selectors: []string{"up"}, Interval: time.Nanosecond},
			"pull.interval: 1ns is below the minimum 1s"},
		{Config{URL: "http://p", Selectors: []string{"up"}, Interval: time.Second}, ""},
		{Config{URL: "http://p", Selectors: []string{"up"}, MaxResponseBytes: -1},
			"pull.max_response_bytes: -1 is negative"},
	}
	for _, tc := range cases {
		got := ""
		if err := tc.cfg.Defaults().Validate(); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("Validate(%+v) = %q, want %q", tc.cfg, got, tc.want)
		}
	}
}

// TestRunStops checks that Run returns when its context ends and refuses a bad config.
func TestRunStops(t *testing.T) {
	srv := httptest.NewServer(&fakeProm{})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := New(Config{URL: srv.URL, Selectors: []string{"up"}}, &recSink{}, nil, nil)
	if err := p.Run(ctx); err != nil {
		t.Errorf("Run = %v", err)
	}
	if err := New(Config{}, &recSink{}, nil, nil).Run(ctx); err == nil {
		t.Error("Run accepted an empty config")
	}
}

// TestSharedMetrics builds two Pullers on one registry, as two pull sections do: the
// second used to panic, registering the same counters again.
func TestSharedMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := New(Config{URL: "http://a:9090"}, &recSink{}, nil, reg)
	b := New(Config{URL: "http://u:secret@b:9090"}, &recSink{}, nil, reg)
	a.m.ok.Inc()
	b.m.failed.Inc()
	n, err := testutil.GatherAndCount(reg, "cerebro_pull_queries_total")
	if err != nil || n != 4 {
		t.Errorf("%d series of cerebro_pull_queries_total (%v), want 4", n, err)
	}
	// The password stays out of the label; /metrics is readable without it.
	got := testutil.ToFloat64(b.m.failed)
	if got != 1 || !strings.Contains(labelsOf(t, reg), `url="http://u:xxxxx@b:9090"`) {
		t.Errorf("failed = %v, labels %s", got, labelsOf(t, reg))
	}
}

// labelsOf renders every label pair of reg's series.
func labelsOf(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				fmt.Fprintf(&b, "%s=%q ", lp.GetName(), lp.GetValue())
			}
		}
	}
	return b.String()
}

// TestPulledSamplesChecked checks that pulled samples meet the rules of remote_write: a
// sample a century ahead and a series with an empty metric name used to be tracked.
func TestPulledSamplesChecked(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[`+
			`{"metric":{"__name__":"w_ok"},"value":[1000,"1"]},`+
			`{"metric":{"__name__":"w_future"},"value":[3155760000,"1"]},`+
			`{"metric":{"__name__":"w_neg"},"value":[-1000,"1"]},`+
			`{"metric":{"__name__":""},"value":[1000,"1"]}]}}`)
	}))
	defer srv.Close()
	sink := &recSink{}
	p := New(Config{URL: srv.URL, Selectors: []string{"w"}}, sink, nil, nil)
	p.now = func() time.Time { return time.Unix(1000, 0) }
	client, err := p.client()
	if err != nil {
		t.Fatal(err)
	}
	p.Poll(context.Background(), client)
	want := []signal.Series{{Labels: lbl("__name__", "w_ok"),
		Points: []signal.Point{{T: 1000000, V: 1}}}}
	if !reflect.DeepEqual(sink.got, want) {
		t.Errorf("sink got %v, want %v", sink.got, want)
	}
	if n := testutil.ToFloat64(p.m.samples); n != 1 {
		t.Errorf("%v samples counted, want 1", n)
	}
}

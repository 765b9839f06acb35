package pull

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Config is the pull section of the configuration.
type Config struct {
	// URL is the Prometheus server, for example http://127.0.0.1:9090.
	URL string `yaml:"url"`
	// Interval between queries; default 15s, at least MinInterval.
	Interval time.Duration `yaml:"interval"`
	// Selectors are PromQL expressions, each queried at every interval, for example
	// `up` or `rate(http_requests_total[5m])`. A result without a metric name gets the
	// expression as its __name__.
	Selectors []string `yaml:"selectors"`
	// MaxCatchUp is the longest gap filled with a range query after missed intervals;
	// older samples are skipped. Default 1h.
	MaxCatchUp time.Duration `yaml:"max_catch_up"`
	// Timeout of one query; default 10s.
	Timeout time.Duration `yaml:"timeout"`
	// BearerToken, when set, is sent with every query.
	BearerToken string `yaml:"bearer_token"`
	// MaxResponseBytes is the longest response read; a longer one fails the query.
	// Default DefaultMaxResponseBytes.
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
}

// Defaults fills the zero fields. A negative one is kept for Validate to refuse: read as
// the default, a typo'd sign went unnoticed.
func (c Config) Defaults() Config {
	if c.Interval == 0 {
		c.Interval = 15 * time.Second
	}
	if c.MaxCatchUp == 0 {
		c.MaxCatchUp = time.Hour
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return c
}

// MinInterval is the shortest interval. An interval of 1ns was accepted and sent over
// a thousand queries a second; Prometheus's own scrape intervals are seldom below 1s, so
// a shorter poll would mostly fetch the same samples again.
const MinInterval = time.Second

// Validate reports every problem of a defaulted configuration at once.
func (c Config) Validate() error {
	var errs []error
	if c.URL == "" {
		errs = append(errs, errors.New("pull.url: required"))
	}
	if len(c.Selectors) == 0 {
		errs = append(errs, errors.New("pull.selectors: at least one is required"))
	}
	for i, s := range c.Selectors {
		if err := checkSelector(s); err != nil {
			errs = append(errs, fmt.Errorf("pull.selectors[%d]: %w", i, err))
		}
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"interval", c.Interval}, {"max_catch_up", c.MaxCatchUp}, {"timeout", c.Timeout}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("pull.%s: %v is negative", d.key, d.v))
		}
	}
	if c.MaxResponseBytes < 0 {
		errs = append(errs, fmt.Errorf("pull.max_response_bytes: %d is negative",
			c.MaxResponseBytes))
	}
	if c.Interval > 0 && c.Interval < MinInterval {
		errs = append(errs, fmt.Errorf("pull.interval: %v is below the minimum %v",
			c.Interval, MinInterval))
	}
	return errors.Join(errs...)
}

// promql parses selectors as the server will, so that a typo is refused when the config
// is checked rather than logged at every interval by a server that started fine.
var promql = parser.NewParser(parser.Options{})

// checkSelector says why s is not a PromQL expression, or nil.
func checkSelector(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	if _, err := promql.ParseExpr(s); err != nil {
		return fmt.Errorf("%q: not PromQL: %w", s, err)
	}
	return nil
}

// Puller queries a Prometheus server and feeds the sink. Build it with New and run it
// with Run.
type Puller struct {
	cfg  Config
	sink ingest.SeriesSink
	log  *slog.Logger
	m    serverMetrics
	// filter drops what the remote_write route drops, counted under source pull.
	filter *ingest.SeriesFilter
	// mu guards last, which Snapshot reads while Run polls.
	mu sync.Mutex
	// last is, per selector, the evaluation time of its last query that reached the sink.
	last map[string]time.Time
	// now is the clock; tests replace it.
	now func() time.Time
}

// New builds a Puller; it starts nothing and does not contact the server. reg may be nil;
// the Pullers of one registry share its counters, each under the url label of its server.
func New(cfg Config, sink ingest.SeriesSink, log *slog.Logger,
	reg prometheus.Registerer) *Puller {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := newMetrics()
	if reg != nil {
		m.register(reg)
	}
	log = log.With("component", "pull")
	return &Puller{cfg: cfg.Defaults(), sink: sink, log: log, m: m.forURL(cfg.URL),
		filter: ingest.NewSeriesFilter(ingest.PullSource, log),
		last:   map[string]time.Time{}, now: time.Now}
}

// Run polls every Interval until ctx ends, then returns nil. It returns an error only
// for an invalid configuration: a failing query is logged, counted and retried, with the
// gap caught up, at the next interval.
func (p *Puller) Run(ctx context.Context) error {
	if err := p.cfg.Validate(); err != nil {
		return fmt.Errorf("configuring pull: %w", err)
	}
	client, err := p.client()
	if err != nil {
		return err
	}
	p.log.Info("pull started", "url", p.cfg.URL, "count", len(p.cfg.Selectors))
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		p.Poll(ctx, client)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (p *Puller) client() (v1.API, error) {
	rt := limitBody{max: p.cfg.MaxResponseBytes,
		next: bearer{token: p.cfg.BearerToken, next: api.DefaultRoundTripper}}
	c, err := api.NewClient(api.Config{Address: p.cfg.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("configuring pull client for %s: %w", p.cfg.URL, err)
	}
	return v1.NewAPI(c), nil
}

// Poll queries every selector once at the current time.
func (p *Puller) Poll(ctx context.Context, client v1.API) {
	now := p.now().Truncate(time.Millisecond)
	for _, sel := range p.cfg.Selectors {
		if err := p.pollOne(ctx, client, sel, now); err != nil && ctx.Err() == nil {
			p.m.failed.Inc()
			p.log.Warn("pull query failed", "selector", sel, "err", err)
			continue
		}
		p.m.ok.Inc()
	}
}

// pollOne queries one selector, with a range query when intervals were missed.
func (p *Puller) pollOne(ctx context.Context, client v1.API, sel string, now time.Time) error {
	p.mu.Lock()
	last, seen := p.last[sel]
	p.mu.Unlock()
	var (
		val model.Value
		err error
	)
	if seen && now.Sub(last) > p.cfg.Interval*3/2 {
		val, err = p.catchUp(ctx, client, sel, last, now)
	} else {
		val, err = p.instant(ctx, client, sel, now)
	}
	if err != nil {
		return err
	}

	series := p.filter.Filter(p.convert(sel, val), p.now())
	if len(series) > 0 {
		p.count(series)
		ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
		defer cancel()
		if err := p.sink.AcceptSeries(ctx, series); err != nil {
			return fmt.Errorf("accepting samples of %q: %w", sel, err)
		}
	}
	p.mu.Lock()
	p.last[sel] = now
	p.mu.Unlock()
	return nil
}

// maxRangeSteps bounds the steps of a catch-up range query. Prometheus refuses a query of
// more than 11,000 points per series, and refused, the same range was asked for again
// at every poll.
const maxRangeSteps = 10000

// rangeStart is the first step of the catch-up after last: at most MaxCatchUp and
// maxRangeSteps intervals before now. Older samples are skipped.
func (p *Puller) rangeStart(last, now time.Time) time.Time {
	start := last.Add(p.cfg.Interval)
	for _, limit := range []time.Duration{p.cfg.MaxCatchUp, maxRangeSteps * p.cfg.Interval} {
		if earliest := now.Add(-limit); start.Before(earliest) {
			start = earliest
		}
	}
	return start
}

// catchUp asks for the span missed since last. When the range query fails but an instant
// query succeeds, the server is up and the range itself is what fails (too slow, too
// large): the gap is given up, logged and counted, since asking again at every poll
// failed forever. When both fail the server is unreachable, and the gap is kept for the
// catch-up once it is back.
func (p *Puller) catchUp(ctx context.Context, client v1.API, sel string,
	last, now time.Time) (model.Value, error) {
	r := v1.Range{Start: p.rangeStart(last, now), End: now, Step: p.cfg.Interval}
	p.m.ranges.Inc()
	p.log.Info("pull catching up", "selector", sel, "from", r.Start, "to", now)
	qctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	val, _, _, err := client.QueryRange(qctx, sel, r)
	cancel()
	if err == nil {
		return val, nil
	}
	err = fmt.Errorf("querying %q from %s to %s: %w", sel, r.Start.Format(time.RFC3339),
		now.Format(time.RFC3339), err)
	if ctx.Err() != nil {
		return nil, err
	}
	val, ierr := p.instant(ctx, client, sel, now)
	if ierr != nil {
		return nil, fmt.Errorf("%w; the instant query failed too: %w", err, ierr)
	}
	p.m.abandoned.Inc()
	p.log.Warn("pull catch-up abandoned", "selector", sel, "from", r.Start, "to", now,
		"span", now.Sub(r.Start), "err", err)
	return val, nil
}

// instant queries sel at now.
func (p *Puller) instant(ctx context.Context, client v1.API, sel string,
	now time.Time) (model.Value, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	val, _, _, err := client.Query(ctx, sel, now)
	if err != nil {
		return nil, fmt.Errorf("querying %q: %w", sel, err)
	}
	return val, nil
}

// bearer adds the configured token to every request.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token == "" {
		return b.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// convert turns a query result into series, skipping values detection cannot use. The
// filter then applies the rules every metric route applies.
func (p *Puller) convert(sel string, val model.Value) []signal.Series {
	var out []signal.Series
	add := func(m model.Metric, pts []signal.Point) {
		if len(pts) > 0 {
			out = append(out, signal.Series{Labels: labels(sel, m), Points: pts})
		}
	}
	switch v := val.(type) {
	case model.Vector:
		for _, s := range v {
			add(s.Metric, p.points(model.SamplePair{Timestamp: s.Timestamp, Value: s.Value}))
		}
	case model.Matrix:
		for _, s := range v {
			add(s.Metric, p.points(s.Values...))
		}
	case *model.Scalar:
		add(nil, p.points(model.SamplePair{Timestamp: v.Timestamp, Value: v.Value}))
	}
	return out
}

// points keeps the finite samples; native histograms are not part of the result.
func (p *Puller) points(pairs ...model.SamplePair) []signal.Point {
	pts := make([]signal.Point, 0, len(pairs))
	for _, sp := range pairs {
		v := float64(sp.Value)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			p.m.dropped.Inc()
			continue
		}
		pts = append(pts, signal.Point{T: int64(sp.Timestamp), V: v})
	}
	return pts
}

// count adds the samples handed to detection to the metrics.
func (p *Puller) count(series []signal.Series) {
	n := 0
	for _, s := range series {
		n += len(s.Points)
	}
	p.m.samples.Add(float64(n))
}

// labels returns the sorted labels of m, named after sel when m has no metric name.
func labels(sel string, m model.Metric) []signal.Label {
	ls := make([]signal.Label, 0, len(m)+1)
	for k, v := range m {
		ls = append(ls, signal.Label{Name: string(k), Value: string(v)})
	}
	if _, ok := m[model.MetricNameLabel]; !ok {
		ls = append(ls, signal.Label{Name: model.MetricNameLabel, Value: sel})
	}
	signal.SortLabels(ls)
	return ls
}

package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/snappy"
)

// Config is what one load run sends.
type Config struct {
	// Target is the receiver's remote_write URL, route included: for example
	// http://127.0.0.1:8080/api/v1/ingest/remote-write for CEREBRO,
	// http://127.0.0.1:9090/api/v1/write for Prometheus.
	Target string
	// Series is the number of distinct series; each round sends one sample of each.
	Series int
	// BatchSize is the number of series per request (Prometheus sends up to 2000).
	BatchSize int
	// Duration is how long to send.
	Duration time.Duration
	// Concurrency is the number of requests in flight.
	Concurrency int
	// Step is how far sample time advances per round at most: rounds are stamped with
	// the wall clock once a Step a round would pass it (see roundTime).
	Step time.Duration
	// Token, when set, is sent as a bearer token.
	Token string
	// Start is the time of the first round's samples; default now.
	Start time.Time
	// Pattern is the shape of the values: Steady (default) or Sawtooth.
	Pattern Pattern
}

// Defaults fills the zero fields.
func (c Config) Defaults() Config {
	if c.Series <= 0 {
		c.Series = 10_000
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 2000
	}
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.Step <= 0 {
		c.Step = time.Second
	}
	if c.Start.IsZero() {
		c.Start = time.Now()
	}
	if c.Pattern == "" {
		c.Pattern = Steady
	}
	return c
}

// Result is what a run measured.
type Result struct {
	Target        string  `json:"target"`
	Series        int     `json:"series"`
	Concurrency   int     `json:"concurrency"`
	Seconds       float64 `json:"seconds"`
	Requests      int64   `json:"requests"`
	Errors        int64   `json:"errors"`
	Samples       int64   `json:"samples"` // samples in requests answered 2xx
	SamplesPerSec float64 `json:"samples_per_sec"`
	Pattern       Pattern `json:"pattern"`
	Rounds        int64   `json:"rounds"` // complete passes over every series
	// WarmSamplesPerSec is the rate of accepted samples after every worker finished its
	// first round, that is once the receiver has seen every series: appends only, without
	// the cost of creating series. Zero when the run ended before that.
	WarmSamplesPerSec float64 `json:"warm_samples_per_sec"`
	WarmSeconds       float64 `json:"warm_seconds"`
	LastError         string  `json:"last_error,omitempty"`
}

// maxTimestamp keeps every timestamp inside the six-byte varint the batches reserve.
const maxTimestamp = 1<<42 - 1

// Run sends rounds of samples until cfg.Duration has passed or ctx ends. Each series
// belongs to one worker, which sends its rounds in order, so no receiver sees a sample
// older than one it already has. The payloads depend only on cfg, so two runs with the
// same Config send the same bytes. A run in which no request succeeded returns its Result
// and an error quoting the last failure: its rate of zero measures the URL, not the
// receiver.
func Run(ctx context.Context, cfg Config, client *http.Client) (Result, error) {
	cfg = cfg.Defaults()
	if cfg.Target == "" {
		return Result{}, errors.New("running load: no target URL")
	}
	if cfg.Pattern != Steady && cfg.Pattern != Sawtooth {
		return Result{}, fmt.Errorf("running load: unknown pattern %q: use %s or %s",
			cfg.Pattern, Steady, Sawtooth)
	}
	if client == nil {
		client = newClient(cfg.Concurrency)
	}
	batches := make([]*batch, 0, (cfg.Series+cfg.BatchSize-1)/cfg.BatchSize)
	for first := 0; first < cfg.Series; first += cfg.BatchSize {
		batches = append(batches, newBatch(first, min(cfg.BatchSize, cfg.Series-first)))
	}
	workers := min(cfg.Concurrency, len(batches))

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	st := &stats{start: time.Now()}
	st.pending.Store(int64(workers))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			mine := pick(batches, w, workers)
			(&worker{cfg: cfg, client: client, st: st}).run(ctx, mine)
		})
	}
	wg.Wait()
	res := st.result(cfg, workers, time.Now(), len(batches))
	return res, noneAccepted(res, cfg.Duration)
}

// noneAccepted fails a run in which no request succeeded.
func noneAccepted(r Result, d time.Duration) error {
	switch {
	case r.Samples > 0:
		return nil
	case r.LastError != "":
		return fmt.Errorf("running load against %s: none of %d requests succeeded; "+
			"last error: %s", r.Target, r.Requests, r.LastError)
	}
	return fmt.Errorf("running load against %s: no request completed in %s", r.Target, d)
}

// pick returns the batches worker w of n owns.
func pick(batches []*batch, w, n int) []*batch {
	var out []*batch
	for i := w; i < len(batches); i += n {
		out = append(out, batches[i])
	}
	return out
}

func newClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = conns
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: time.Minute}
}

// stats are the counters the workers share.
type stats struct {
	requests, errors, samples, batchesSent atomic.Int64
	pending                                atomic.Int64 // workers still in round 0

	start       time.Time
	mu          sync.Mutex
	lastErr     string
	warmAt      time.Time // when the last worker finished round 0
	warmSamples int64     // samples accepted by then
}

// firstRoundDone notes that one worker has sent every series it owns once.
func (s *stats) firstRoundDone() {
	if s.pending.Add(-1) != 0 {
		return
	}
	s.mu.Lock()
	s.warmAt, s.warmSamples = time.Now(), s.samples.Load()
	s.mu.Unlock()
}

func (s *stats) fail(err error) {
	s.errors.Add(1)
	s.mu.Lock()
	s.lastErr = err.Error()
	s.mu.Unlock()
}

func (s *stats) result(cfg Config, workers int, end time.Time, nBatches int) Result {
	r := Result{
		Target: cfg.Target, Series: cfg.Series, Concurrency: workers, Pattern: cfg.Pattern,
		Seconds: end.Sub(s.start).Seconds(), Requests: s.requests.Load(),
		Errors: s.errors.Load(), Samples: s.samples.Load(),
		Rounds: s.batchesSent.Load() / int64(nBatches), LastError: s.lastErr,
	}
	r.SamplesPerSec = float64(r.Samples) / r.Seconds
	if !s.warmAt.IsZero() {
		r.WarmSeconds = end.Sub(s.warmAt).Seconds()
		if r.WarmSeconds > 0 {
			r.WarmSamplesPerSec = float64(r.Samples-s.warmSamples) / r.WarmSeconds
		}
	}
	return r
}

// worker sends its batches, round after round, one request at a time.
type worker struct {
	cfg    Config
	client *http.Client
	st     *stats
	raw    []byte
	body   []byte
}

func (w *worker) run(ctx context.Context, mine []*batch) {
	t0 := w.cfg.Start.UnixMilli()
	last := t0 - 1
	for r := 0; ; r++ {
		t := roundTime(t0, r, w.cfg.Step, last, time.Now().UnixMilli())
		if !waitFor(ctx, t) {
			return
		}
		last = t
		if t > maxTimestamp {
			w.st.fail(errors.New("sample time beyond year 2109"))
			return
		}
		for _, b := range mine {
			if ctx.Err() != nil {
				return
			}
			w.send(ctx, b, t, r)
		}
		if r == 0 {
			w.st.firstRoundDone()
		}
	}
}

// roundTime is the sample time of round r, given the last round's time and the clock
// (all Unix ms): Step after the first round's per round, but never ahead of the wall
// clock, so that a receiver that refuses samples from the future (both Prometheus and
// CEREBRO, by 10 minutes) keeps taking them however fast the rounds go. Rounds used to
// run ahead by a Step each, and at 10,000 series, 1 s steps and a round every few
// milliseconds nine requests in ten were refused after the first half minute. A round
// that catches up with the clock takes the next millisecond after the last, which the
// worker waits for (waitFor): rounds of a few series take microseconds, and stepping a
// millisecond each without waiting ran 20 series 51 s ahead in 15 s, so that the next
// run, starting at the clock, sent samples older than the receiver's last and every one
// was skipped as out of order.
func roundTime(t0 int64, r int, step time.Duration, last, now int64) int64 {
	return max(min(t0+int64(r)*step.Milliseconds(), now), last+1)
}

// waitFor waits until the clock reaches Unix ms t, and reports whether ctx is still
// live. It reads the clock once more a round and sleeps only after rounds shorter than
// a millisecond, so many-series runs go as fast as the receiver answers.
func waitFor(ctx context.Context, t int64) bool {
	d := time.Until(time.UnixMilli(t))
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// send encodes one batch for round r and posts it.
func (w *worker) send(ctx context.Context, b *batch, t int64, r int) {
	w.raw = append(w.raw[:0], b.raw...)
	b.fill(w.raw, t, r, w.cfg.Pattern)
	w.body = snappy.Encode(w.body[:cap(w.body)], w.raw)

	err := w.post(ctx)
	if ctx.Err() != nil {
		return // the run ended mid-request: neither a success nor an error
	}
	w.st.requests.Add(1)
	w.st.batchesSent.Add(1)
	if err != nil {
		w.st.fail(err)
		return
	}
	w.st.samples.Add(int64(b.samples))
}

func (w *worker) post(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.Target,
		bytes.NewReader(w.body))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Content-Encoding", "snappy")
	req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	if w.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+w.cfg.Token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("sending request: %w", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_ = resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("receiver answered %s: %s (is the target the full remote_write "+
			"URL, route included?)", resp.Status, bytes.TrimSpace(msg))
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("receiver answered %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

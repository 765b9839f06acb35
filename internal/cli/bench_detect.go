package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func init() { benchCommands = append(benchCommands, benchDetectCmd) }

const benchDetectLong = `Measure the detect engine: samples per second per core through the detectors
(one sample per series per request, --batch series to a request as remote_write and OTLP
deliver them, every series past its warm-up) and bytes of detector state per series, at
each series count. Per core means per CPU-second the process got (from /proc), so time
other processes hold the cores does not count against it; they still share the caches
and memory bus, so on a busy machine it reads low. samples/s is wall-clock throughput on all cores.

The figures cover the engine only: label sets are built before the clock starts, with
their hash, and their memory is not counted. --refs sends every sample after a series'
first by the engine's reference instead of its labels, as remote_write does; without
it every sample goes by labels, as OTLP and pull mode send them. Bytes per series
count the Go heap and what the engine keeps off it (records, keys, table slots). The
last size's JSON figures are the headline ones.

Each round visits the series in the order they were created, as a scrape or a
remote_write queue sends a target's series: the state of neighbouring series then lies
side by side in memory and the hardware prefetcher hides most cache misses. --shuffle
visits them in one fixed random order instead, the worst case, where every sample misses
the cache on its state.

A request goes through Engine.ObserveBatch, as the server's ingest does: it prefetches
the table slot (or record) of the series a few places ahead, so that the cache misses
of random lookups overlap. 500 series a request is below what Prometheus sends
(max_samples_per_send, 2,000 in current releases); --batch 1 times one call per sample,
without prefetching.

The timed rounds follow --warmup untimed samples per series (10, the detectors' own
warm-up, by default and at least). At a million series the default timing then sees series
10 to 30 samples old, which still take the young-series corrections on every sample; a
production engine's series are nearly all older than a few hundred samples, and --warmup
300 times those.

Every size times at least 10,000,000 samples: --rounds is raised to 10,000,000 / series
when it gives fewer (1,000 rounds at 10,000 series). The CPU time comes from /proc in
10 ms ticks, and a run of a few tens of CPU-milliseconds would read up to a tick off on
each core; 10 million samples take seconds, so the ticks stay under 1%. The rounds each
size timed are in the output.`

type benchDetectFlags struct {
	sizes   string
	rounds  int
	json    bool
	profile string
	shuffle bool
	refs    bool
	warmup  int
	batch   int
}

func benchDetectCmd() *cobra.Command {
	var f benchDetectFlags
	c := &cobra.Command{
		Use:   "detect",
		Short: "Measure detector throughput and memory per series",
		Long:  benchDetectLong,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBenchDetect(cmd.OutOrStdout(), f)
		},
	}
	c.Flags().StringVar(&f.sizes, "series", "10000,100000,1000000",
		"comma-separated series counts")
	c.Flags().IntVar(&f.rounds, "rounds", 20, "timed samples per series; raised to "+
		"10,000,000 / series when fewer, so that 10 ms CPU ticks stay under 1%")
	c.Flags().BoolVar(&f.json, "json", false, "print one JSON object")
	c.Flags().BoolVar(&f.shuffle, "shuffle", false,
		"time the samples in a random order of series rather than the order they were created")
	c.Flags().IntVar(&f.warmup, "warmup", minWarmup,
		"untimed samples per series before the timed rounds (at least 10, the detectors' "+
			"warm-up)")
	c.Flags().BoolVar(&f.refs, "refs", false,
		"send samples by series reference, as remote_write does, rather than by labels")
	c.Flags().IntVar(&f.batch, "batch", 500,
		"series per request (Engine.ObserveBatch call); 1 times one ObserveRef call per sample")
	c.Flags().StringVar(&f.profile, "cpuprofile", "",
		"write a CPU profile of the timed rounds of the last size to this file")
	return c
}

// benchDetectResult is one size's figures.
type benchDetectResult struct {
	Series         int     `json:"series"`
	Shuffled       bool    `json:"shuffled"`
	ByRef          bool    `json:"by_ref"`
	Batch          int     `json:"batch"`  // series per ObserveBatch call
	Warmup         int     `json:"warmup"` // untimed samples per series before the timing
	Rounds         int     `json:"rounds"` // timed samples per series (see minTimedSamples)
	Samples        int     `json:"samples"`
	Cores          int     `json:"cores"`
	SamplesPerSec  float64 `json:"samples_per_sec"`
	PerSecPerCore  float64 `json:"samples_per_sec_per_core"`
	CPUSeconds     float64 `json:"cpu_seconds"`
	BytesPerSeries float64 `json:"bytes_per_series"`
}

// benchDetectReport is the --json output: the headline figures (the largest size) and
// every size.
type benchDetectReport struct {
	PerSecPerCore  float64             `json:"samples_per_sec_per_core"`
	BytesPerSeries float64             `json:"bytes_per_series"`
	Sizes          []benchDetectResult `json:"sizes"`
}

func runBenchDetect(out io.Writer, f benchDetectFlags) error {
	sizes, err := checkBenchDetect(f)
	if err != nil {
		return err
	}
	var rep benchDetectReport
	for i, n := range sizes {
		profile := ""
		if i == len(sizes)-1 {
			profile = f.profile
		}
		r, err := benchDetectSize(n, timedRounds(n, f.rounds), profile, f)
		if err != nil {
			return err
		}
		rep.Sizes = append(rep.Sizes, r)
		rep.PerSecPerCore, rep.BytesPerSeries = r.PerSecPerCore, r.BytesPerSeries
		if !f.json {
			fmt.Fprintf(out, "%9d series: %10.0f samples/s/core, %10.0f samples/s on %d cores, "+
				"%4.0f bytes/series, %d rounds\n", r.Series, r.PerSecPerCore, r.SamplesPerSec,
				r.Cores, r.BytesPerSeries, r.Rounds)
		}
	}
	if f.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return nil
}

// minWarmup takes every series past the detectors' warm-up, so every timed sample is
// scored.
const minWarmup = 10

// minTimedSamples is the fewest samples a size times. The CPU time comes from /proc in
// 10 ms ticks; at 2 to 3 million samples a second per core, 10 million take a few
// CPU-seconds, so that a tick is well under 1% of them.
const minTimedSamples = 10_000_000

// timedRounds is the rounds a size of n series times: the rounds asked for, or enough
// for minTimedSamples.
func timedRounds(n, rounds int) int {
	return max(rounds, (minTimedSamples+n-1)/n)
}

// checkBenchDetect validates every flag before anything runs, so that a bad value at the
// end of --series does not cost the sizes before it, and returns the series counts.
func checkBenchDetect(f benchDetectFlags) ([]int, error) {
	switch {
	case f.rounds <= 0:
		return nil, fmt.Errorf("checking --rounds %d: not a positive count", f.rounds)
	case f.warmup < minWarmup:
		return nil, fmt.Errorf("checking --warmup %d: below %d, the detectors' warm-up: "+
			"samples in it are not scored and would flatter the rate", f.warmup, minWarmup)
	case f.batch <= 0:
		return nil, fmt.Errorf("checking --batch %d: not a positive count", f.batch)
	}
	var sizes []int
	for _, s := range strings.Split(f.sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("parsing --series %q: %q is not a positive count",
				f.sizes, s)
		}
		sizes = append(sizes, n)
	}
	return sizes, nil
}

// benchDetectSize creates n series, measures the state they hold, then times rounds of
// one sample per series spread over every core. A non-empty profile names the file for a
// CPU profile of the timed rounds alone, so that building the series does not drown them.
func benchDetectSize(n, rounds int, profile string, f benchDetectFlags) (
	benchDetectResult, error) {
	shuffle := f.shuffle
	labels := benchLabels(n)
	before := heapInUse()
	e, err := detect.New(detect.Config{MaxSeries: n}, nil, nil)
	if err != nil {
		return benchDetectResult{}, err
	}
	warm := f.warmup
	workers := runtime.GOMAXPROCS(0)
	benchRounds(e, labels, 0, warm, workers, f)
	// A dropped series costs almost nothing per sample, so the figures would flatter the
	// engine if any were dropped.
	if e.Len() != n {
		return benchDetectResult{}, fmt.Errorf("benchmarking detect: the engine holds %d of "+
			"%d series", e.Len(), n)
	}
	perSeries := (float64(heapInUse()-before) + float64(e.OffHeapBytes())) / float64(n)
	if shuffle {
		// After the warm-up, so that the series were still created in order.
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	}

	stop, err := startProfile(profile)
	if err != nil {
		return benchDetectResult{}, err
	}
	start, cpu0 := time.Now(), processCPU()
	benchRounds(e, labels, warm, rounds, workers, f)
	el, cpu := time.Since(start).Seconds(), processCPU()-cpu0
	if err := stop(); err != nil {
		return benchDetectResult{}, err
	}
	total := n * rounds
	runtime.KeepAlive(labels)
	// Per core is per CPU-second the process actually got, so that other load on the
	// machine does not count against the engine; without /proc it falls back to wall time
	// times the workers.
	if cpu <= 0 {
		cpu = el * float64(workers)
	}
	return benchDetectResult{
		Series:         n,
		Shuffled:       shuffle,
		ByRef:          f.refs,
		Batch:          f.batch,
		Warmup:         warm,
		Rounds:         rounds,
		Samples:        total,
		Cores:          workers,
		SamplesPerSec:  float64(total) / el,
		PerSecPerCore:  float64(total) / cpu,
		CPUSeconds:     cpu,
		BytesPerSeries: perSeries,
	}, nil
}

// startProfile starts a CPU profile into the named file, if any, and returns what stops
// it.
func startProfile(name string) (func() error, error) {
	if name == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(name)
	if err != nil {
		return nil, fmt.Errorf("creating CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting CPU profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing CPU profile: %w", err)
		}
		return nil
	}, nil
}

// benchRounds feeds rounds samples to every series, each worker on its own slice. With
// refs, a series that has a reference goes by it.
func benchRounds(e *detect.Engine, labels []signal.Series, first, rounds, workers int,
	f benchDetectFlags) {
	var wg sync.WaitGroup
	per := (len(labels) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*per, min((w+1)*per, len(labels))
		wg.Add(1)
		go func() {
			defer wg.Done()
			benchWorker(e, labels[lo:hi], first, rounds, uint64(lo+1), f)
		}()
	}
	wg.Wait()
}

func benchWorker(e *detect.Engine, labels []signal.Series, first, rounds int, seed uint64,
	f benchDetectFlags) {
	batch := max(f.batch, 1)
	pts := make([]signal.Point, batch)
	req := make([]signal.Series, 0, batch)
	x := seed*0x9E3779B97F4A7C15 | 1
	var out []signal.Signal
	for r := first; r < first+rounds; r++ {
		t := int64(1_700_000_000_000) + int64(r)*15_000
		for lo := 0; lo < len(labels); lo += batch {
			group := labels[lo:min(lo+batch, len(labels))]
			req = req[:0]
			for i := range group {
				ls := &group[i]
				x ^= x << 13
				x ^= x >> 7
				x ^= x << 17
				noise := float64(x>>11)/float64(1<<53) - 0.5
				pts[i] = signal.Point{T: t, V: 100 + float64((lo+i)%50) + 5*noise}
				s := signal.Series{Labels: ls.Labels, Points: pts[i : i+1], Hash: ls.Hash}
				if f.refs && ls.Ref != 0 {
					s = signal.Series{Points: pts[i : i+1], Ref: ls.Ref}
				}
				req = append(req, s)
			}
			out = e.ObserveBatch(req, out[:0])
			for i := range group {
				group[i].Ref = req[i].Ref
			}
		}
	}
}

// benchLabels builds realistic label sets (a metric name, a job, an instance, a pod) and
// their hashes, as series without points.
func benchLabels(n int) []signal.Series {
	out := make([]signal.Series, n)
	for i := range out {
		ip := "10.0." + strconv.Itoa(i/65536%256) + "." + strconv.Itoa(i/256%256)
		ls := []signal.Label{
			{Name: "__name__", Value: "http_request_duration_seconds"},
			{Name: "instance", Value: ip},
			{Name: "job", Value: "api"},
			{Name: "pod", Value: "api-" + strconv.Itoa(i)},
		}
		out[i] = signal.Series{Labels: ls, Hash: signal.HashLabels(ls)}
	}
	return out
}

// processCPU returns the user and system CPU seconds of this process from /proc/self/stat
// (Linux, 100 ticks a second), or 0 when it cannot be read.
func processCPU() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// Fields after the parenthesized command name; utime and stime are the 12th and 13th.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	s, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return (u + s) / 100
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

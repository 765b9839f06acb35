package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/loadgen"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func init() {
	benchCommands = append(benchCommands, benchRemoteWriteCmd, benchReceiverCmd)
}

const benchRemoteWriteLong = `Send remote_write 1.0 load to any receiver and report the sustained rate of
accepted samples. Every round sends one sample of each series, in batches; the
payloads depend only on the flags, so runs against different receivers (CEREBRO,
Prometheus with --web.enable-remote-write-receiver) send the same bytes.
scripts/bench-remote-write.sh runs the comparison with Prometheus.

--target is the receiver's full remote_write URL, route included:
  CEREBRO     http://HOST:8080/api/v1/ingest/remote-write
  Prometheus  http://HOST:9090/api/v1/write
A run in which no request succeeded exits non-zero with the last error.

Sample times follow the wall clock: each round is stamped --step after the one before,
or with the clock once that would pass it, and never ahead of the clock, so a round
shorter than a millisecond (a few series) waits for the next one.`

func benchRemoteWriteCmd() *cobra.Command {
	var cfg loadgen.Config
	var asJSON bool
	c := &cobra.Command{
		Use:   "remote-write --target URL",
		Short: "Load-test a remote_write receiver",
		Long:  benchRemoteWriteLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := loadgen.Run(cmd.Context(), cfg, nil)
			if res.Target == "" { // refused before sending
				return err
			}
			if perr := printLoadResult(cmd.OutOrStdout(), res, asJSON); perr != nil {
				return perr
			}
			return err
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.Target, "target", "", "full remote_write URL of the receiver, route "+
		"included: CEREBRO http://HOST:8080/api/v1/ingest/remote-write, "+
		"Prometheus http://HOST:9090/api/v1/write")
	f.IntVar(&cfg.Series, "series", 10_000, "distinct series")
	f.IntVar(&cfg.BatchSize, "batch", 2000, "series per request")
	f.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long to send")
	f.IntVar(&cfg.Concurrency, "concurrency", 4, "requests in flight")
	f.DurationVar(&cfg.Step, "step", time.Second,
		"largest sample time advance per round; rounds never run ahead of the clock")
	f.StringVar(&cfg.Token, "token", "", "bearer token to send")
	f.StringVar((*string)(&cfg.Pattern), "pattern", string(loadgen.Steady),
		"values: steady (noise around a level) or sawtooth (climbs, falls every 100 "+
			"rounds; CEREBRO reads it as a counter with resets)")
	f.BoolVar(&asJSON, "json", false, "print one JSON object")
	_ = c.MarkFlagRequired("target")
	return c
}

func printLoadResult(w io.Writer, r loadgen.Result, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(r)
	}
	_, err := fmt.Fprintf(w, "target         %s\nseries         %d\nconcurrency    %d\n"+
		"duration       %.1fs\nrequests       %d (%d errors)\nrounds         %d\n"+
		"samples/s      %.0f\nwarm samples/s %.0f (after every series was sent once)\n",
		r.Target, r.Series, r.Concurrency, r.Seconds, r.Requests, r.Errors, r.Rounds,
		r.SamplesPerSec, r.WarmSamplesPerSec)
	if err == nil && r.LastError != "" {
		_, err = fmt.Fprintf(w, "last error     %s\n", r.LastError)
	}
	return err
}

const benchReceiverLong = `Serve CEREBRO's remote_write route alone, for load tests: POST
/api/v1/write and /api/v1/ingest/remote-write, GET /metrics. With --sink detect
(the default) every series goes through the real detection engine on default
settings, as in the server; the signals it raises are counted and dropped. With
--sink count samples are only counted, which measures ingest alone.`

func benchReceiverCmd() *cobra.Command {
	var listen, sinkName string
	c := &cobra.Command{
		Use:   "remote-write-receiver",
		Short: "Serve only the remote_write route, for load tests",
		Long:  benchReceiverLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runReceiver(cmd.Context(), Logger(cmd, nil), listen, sinkName)
		},
	}
	c.Flags().StringVar(&listen, "listen", "127.0.0.1:9191", "listen address")
	c.Flags().StringVar(&sinkName, "sink", "detect", "detect or count")
	return c
}

// runReceiver serves the remote_write route until ctx ends.
func runReceiver(ctx context.Context, log *slog.Logger, listen, sinkName string) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(ingest.SeriesCollectors()...)
	sink, err := benchSink(sinkName, log, reg)
	if err != nil {
		return err
	}
	g := &ingest.Guard{Metrics: ingest.NewMetrics(reg), Log: log, Now: time.Now}
	h := ingest.Allowed(http.MethodPost, ingest.RemoteWriteHandler(g, ingest.SourceConfig{},
		sink))
	mux := http.NewServeMux()
	mux.Handle("/api/v1/write", h)
	mux.Handle("/api/v1/ingest/remote-write", h)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", listen, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	log.Info("remote-write receiver listening", "addr", ln.Addr().String(), "sink", sinkName)
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving: %w", err)
	}
	return nil
}

func benchSink(name string, log *slog.Logger, reg prometheus.Registerer) (
	ingest.SeriesSink, error) {
	switch name {
	case "count":
		return &countSink{}, nil
	case "detect":
		e, err := detect.New(detect.Config{}, log, reg)
		if err != nil {
			return nil, err
		}
		return &detectSink{e: e}, nil
	}
	return nil, fmt.Errorf("unknown sink %q: use detect or count", name)
}

// countSink only counts samples.
type countSink struct{ n atomic.Int64 }

// AcceptSeries counts the points. It gives every series one reference, so that the
// decoder caches label sets and skips decoding them, as it does in front of detection.
func (s *countSink) AcceptSeries(_ context.Context, series []signal.Series) error {
	for i := range series {
		s.n.Add(int64(len(series[i].Points)))
		series[i].Ref = 1
	}
	return nil
}

// detectSink runs every series through the detection engine and drops the signals: it
// measures detection, not storage.
type detectSink struct {
	e       *detect.Engine
	signals atomic.Int64
}

func (s *detectSink) AcceptSeries(_ context.Context, series []signal.Series) error {
	out := s.e.ObserveBatch(series, nil)
	s.signals.Add(int64(len(out)))
	return nil
}

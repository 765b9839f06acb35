package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/cerebro-aiops/cerebro/internal/lab"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// pollEvery is how often the demo reads CEREBRO's API while it watches.
const pollEvery = 500 * time.Millisecond

// confirmFor is how long the demo keeps watching after the right diagnosis appears, so
// that the grouping of the spreading symptoms shows in the timeline.
const confirmFor = 15 * time.Second

type scenario struct {
	o        Options
	out      io.Writer
	lab      *lab.Lab
	clock    *catchUpClock
	api      *client
	injected time.Time
	before   int64          // highest incident id before the fault
	printed  map[int64]int  // timeline entries printed per incident
	tracked  map[int64]bool // incidents opened for the fault
	last     map[int64]signal.Incident
	first    bool // first signal printed
}

func (s *scenario) play(ctx context.Context, g *errgroup.Group, l *lab.Lab) (Result, error) {
	if err := s.backfill(ctx); err != nil {
		return Result{}, err
	}
	g.Go(func() error { return l.Run(ctx) })
	select {
	case <-l.Ready():
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	if err := sleep(ctx, s.o.Settle); err != nil {
		return Result{}, err
	}

	noise, err := s.api.incidents(ctx)
	if err != nil {
		return Result{}, err
	}
	for _, in := range slices.Backward(noise) {
		s.before = max(s.before, in.ID)
		// Noise is shown, not hidden: each is a false positive of the warm-up.
		fmt.Fprintf(s.out, "warm-up noise: incident %d (%s): %s\n", in.ID, in.Status, in.Title)
	}
	res := Result{FaultService: s.o.FaultService, FaultVersion: s.o.FaultVersion,
		NoiseIncidents: len(noise)}

	// The fault: a leaking deploy.
	s.injected = time.Now()
	res.InjectedAt = s.injected.UTC()
	if err := l.Deploy(ctx, s.o.FaultService, s.o.FaultVersion); err != nil {
		return res, fmt.Errorf("injecting the bad deploy: %w", err)
	}
	s.say(s.injected, "deploy", fmt.Sprintf("%s -> %s (the fault: memory leak and errors)",
		s.o.FaultService, s.o.FaultVersion))
	if err := s.watchDiagnosis(ctx); err != nil {
		return res, err
	}

	// The fix: roll back, then wait for CEREBRO to see every member resolve.
	rb := time.Now()
	res.RolledBackAt = rb.UTC()
	if err := l.Rollback(ctx, s.o.FaultService); err != nil {
		return res, fmt.Errorf("rolling back: %w", err)
	}
	s.say(rb, "rollback", s.o.FaultService+" back to its previous version")
	if err := s.watchResolution(ctx); err != nil {
		return res, err
	}
	s.judge(&res)
	return res, nil
}

// backfill replays simulated history through remote_write, so the detectors have a
// baseline before the live run starts.
func (s *scenario) backfill(ctx context.Context) error {
	start := time.Now()
	n := 0
	for t := s.clock.Now(); t.Before(time.Now()); t = t.Add(s.o.Step) {
		s.clock.set(t)
		if err := s.lab.Push(ctx); err != nil {
			return fmt.Errorf("backfilling lab history: %w", err)
		}
		n++
	}
	s.clock.Live()
	fmt.Fprintf(s.out, "warm-up: replayed %s of lab history (%d scrapes of %d services) in %s\n",
		s.o.Backfill, n, len(s.lab.Services()), time.Since(start).Round(time.Millisecond))
	return nil
}

func (s *scenario) watchDiagnosis(ctx context.Context) error {
	deadline := s.injected.Add(s.o.Diagnose)
	var rightSince time.Time
	for time.Now().Before(deadline) {
		if err := s.poll(ctx); err != nil {
			return err
		}
		if s.correct() {
			if rightSince.IsZero() {
				rightSince = time.Now()
			}
			if time.Since(rightSince) >= confirmFor {
				return nil
			}
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.out, "no correct diagnosis within %s\n", s.o.Diagnose)
	return nil
}

func (s *scenario) watchResolution(ctx context.Context) error {
	deadline := time.Now().Add(s.o.Resolve)
	for time.Now().Before(deadline) {
		if err := s.poll(ctx); err != nil {
			return err
		}
		if s.allResolved() {
			return nil
		}
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
	}
	fmt.Fprintf(s.out, "incident not resolved within %s of the rollback\n", s.o.Resolve)
	return nil
}

// poll reads the API and prints what is new: the first anomaly after the fault, new
// incidents and new timeline entries of the fault's incidents.
func (s *scenario) poll(ctx context.Context) error {
	if !s.first {
		if err := s.firstSignal(ctx); err != nil {
			return err
		}
	}
	list, err := s.api.incidents(ctx)
	if err != nil {
		return err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	for _, brief := range list {
		if brief.ID <= s.before {
			continue
		}
		in, err := s.api.incident(ctx, brief.ID)
		if err != nil {
			return err
		}
		s.follow(in)
	}
	return nil
}

func (s *scenario) firstSignal(ctx context.Context) error {
	sigs, err := s.api.signals(ctx, string(signal.KindAnomaly))
	if err != nil {
		return err
	}
	var first *signal.Signal
	for i := range sigs {
		sg := &sigs[i]
		if sg.Status != signal.StatusFiring || sg.EventTime.Before(s.injected) {
			continue
		}
		if first == nil || sg.EventTime.Before(first.EventTime) {
			first = sg
		}
	}
	if first != nil {
		s.first = true
		s.say(first.EventTime, "first signal", fmt.Sprintf("%s on %s: %s", first.Name,
			first.Service, first.Summary))
	}
	return nil
}

func (s *scenario) follow(in signal.Incident) {
	if s.printed == nil {
		s.printed, s.tracked = map[int64]int{}, map[int64]bool{}
		s.last = map[int64]signal.Incident{}
	}
	if !s.tracked[in.ID] {
		s.tracked[in.ID] = true
		s.say(in.DetectedAt, "detected", fmt.Sprintf("incident %d opened: %s", in.ID, in.Title))
	}
	prev := s.last[in.ID]
	for _, e := range in.Timeline[s.printed[in.ID]:] {
		if e.Type != "opened" {
			s.say(e.At, e.Type, fmt.Sprintf("[incident %d] %s", in.ID, e.Text))
		}
	}
	s.printed[in.ID] = len(in.Timeline)
	if len(in.Hypotheses) > 0 && topOf(prev) != topOf(in) {
		h := in.Hypotheses[0]
		s.say(time.Now(), "top cause", fmt.Sprintf("[incident %d] %s on %s (score %.2f)",
			in.ID, h.Kind, h.Service, h.Score))
		for _, ev := range h.Evidence {
			fmt.Fprintf(s.out, "%28s evidence: %s %s on %s: %s\n", "", ev.Kind, ev.Name,
				ev.Service, ev.Detail)
		}
	}
	s.last[in.ID] = in
}

func topOf(in signal.Incident) string {
	if len(in.Hypotheses) == 0 {
		return ""
	}
	return in.Hypotheses[0].Kind + "/" + in.Hypotheses[0].Service
}

// say prints one timeline line with its offset from the fault injection.
func (s *scenario) say(at time.Time, what, text string) {
	off := at.Sub(s.injected).Seconds()
	fmt.Fprintf(s.out, "%s %+8.1fs  %-14s %s\n", at.Local().Format("15:04:05.000"), off, what,
		text)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestOutboxKeepsFailedSignals: signals whose commit failed are stored with the next
// batch, in order, and at most the limit of them are held.
func TestOutboxKeepsFailedSignals(t *testing.T) {
	o := &outbox{log: slog.New(slog.DiscardHandler), limit: 100}
	var stored []string
	fail := true
	accept := func(_ context.Context, sigs []signal.Signal) error {
		if fail {
			return errors.New("disk full")
		}
		for _, s := range sigs {
			stored = append(stored, s.Name)
		}
		return nil
	}
	batch := func(names ...string) []signal.Signal {
		var out []signal.Signal
		for _, n := range names {
			out = append(out, signal.Signal{Name: n})
		}
		return out
	}

	ctx := context.Background()
	if err := o.send(ctx, batch("a", "b"), accept); err == nil {
		t.Fatal("a failing store reported success")
	}
	fail = false
	if err := o.send(ctx, batch("c"), accept); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(stored); got != "[a b c]" {
		t.Errorf("stored %s, want [a b c]", got)
	}

	fail = true
	for i := range o.limit + 5 {
		_ = o.send(ctx, batch(fmt.Sprint(i)), accept)
	}
	if len(o.pending) != o.limit || o.pending[0].Name != "5" {
		t.Errorf("%d pending, first %q; want %d, the oldest 5 dropped", len(o.pending),
			o.pending[0].Name, o.limit)
	}
}

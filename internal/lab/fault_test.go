package lab

import (
	"context"
	"testing"
	"time"
)

// TestMemoryLeakFault deploys the leaky payments version and checks that the right
// metrics move on the right services, then that a rollback brings them back.
func TestMemoryLeakFault(t *testing.T) {
	tl := newTestLab(t, Config{Seed: 7})
	ctx := context.Background()
	tl.clock.Advance(10 * time.Minute)
	before := tl.measure(t, time.Minute)

	if err := tl.Deploy(ctx, "payments", "v2-leaky"); err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	if got := tl.scrape(t, "payments").version; got != "v2-leaky" {
		t.Fatalf("lab_build_info version = %q, want v2-leaky", got)
	}
	tl.clock.Advance(90 * time.Second)
	during := tl.measure(t, 30*time.Second)

	// Latency rise relative to before, per service.
	rise := func(s string) float64 { return during[s].avgLatency / before[s].avgLatency }
	t.Run("payments fails and leaks", func(t *testing.T) {
		p, b := during["payments"], before["payments"]
		if p.errRatio < 0.08 || b.errRatio > 0.01 {
			t.Errorf("payments error ratio %.4f -> %.4f, want under 0.01 then over 0.08",
				b.errRatio, p.errRatio)
		}
		if leaked := p.memory - b.memory; leaked < 250*mib {
			t.Errorf("payments memory grew %.0f MiB, want over 250 MiB", leaked/mib)
		}
		if p.cpu < 1.2*b.cpu {
			t.Errorf("payments cpu %.3f -> %.3f, want a rise over 20%%", b.cpu, p.cpu)
		}
		if rise("payments") < 3 {
			t.Errorf("payments latency rose %.2fx, want over 3x", rise("payments"))
		}
	})
	t.Run("latency spreads upstream, smaller", func(t *testing.T) {
		chain := []string{"payments", "checkout", "frontend"}
		for i := 1; i < len(chain); i++ {
			up, down := rise(chain[i]), rise(chain[i-1])
			if up < 1.2 || up >= down {
				t.Errorf("%s latency rose %.2fx, want over 1.2x and under %s's %.2fx",
					chain[i], up, chain[i-1], down)
			}
		}
	})
	t.Run("others untouched", func(t *testing.T) {
		for _, name := range []string{"catalog", "inventory", "db"} {
			if r := rise(name); r < 0.9 || r > 1.1 {
				t.Errorf("%s latency moved %.2fx, want within 10%%", name, r)
			}
			if e := during[name].errRatio; e > 0.01 {
				t.Errorf("%s error ratio %.4f, want under 0.01", name, e)
			}
			if m := during[name].memory / before[name].memory; m < 0.95 || m > 1.05 {
				t.Errorf("%s memory moved %.3fx, want within 5%%", name, m)
			}
		}
	})

	if err := tl.Rollback(ctx, "payments"); err != nil {
		t.Fatalf("Rollback: %v", err)
	}
	tl.clock.Advance(20 * time.Second)
	after := tl.measure(t, 30*time.Second)
	t.Run("rollback clears it", func(t *testing.T) {
		for _, name := range []string{"payments", "checkout", "frontend"} {
			a, b := after[name], before[name]
			if a.errRatio > 2*b.errRatio+0.002 {
				t.Errorf("%s error ratio %.4f after rollback, was %.4f", name, a.errRatio,
					b.errRatio)
			}
			if r := a.avgLatency / b.avgLatency; r > 1.15 {
				t.Errorf("%s latency %.2fx of before after rollback, want within 15%%", name, r)
			}
			if m := a.memory / b.memory; m > 1.05 {
				t.Errorf("%s memory %.3fx of before after rollback, want within 5%%", name, m)
			}
		}
		if got := tl.scrape(t, "payments").version; got != "v1.0.0" {
			t.Errorf("version after rollback = %q, want v1.0.0", got)
		}
	})

	truth := tl.Truth()
	if len(truth.Injections) != 1 {
		t.Fatalf("truth has %d injections, want 1", len(truth.Injections))
	}
	in := truth.Injections[0]
	if in.Service != "payments" || in.Fault != FaultMemoryLeak || in.RolledBackAt == nil ||
		!in.InjectedAt.Equal(start.Add(11*time.Minute)) {
		t.Errorf("truth = %+v", in)
	}
}

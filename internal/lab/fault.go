package lab

import (
	"math"
	"strings"
	"time"
)

// Fault is a misbehaviour a deploy can bring. Its effects are reached at full intensity;
// intensity ramps up after injection and decays after rollback.
type Fault struct {
	Name string
	// Latency is added to the service's own latency as a multiple of it (4 = five times
	// slower). Callers wait for the service, so their latency rises by less.
	Latency float64
	// ErrorRatio is added to the service's own error ratio.
	ErrorRatio float64
	// CPU is added to the service's CPU use as a multiple of it (garbage collection).
	CPU float64
	// LeakBytesPerSecond grows resident memory steadily from injection to rollback, when
	// the fresh process starts again at the normal size.
	LeakBytesPerSecond float64
}

// FaultMemoryLeak is the name of the memory-leak fault.
const FaultMemoryLeak = "memory-leak"

// faults are the faults a deploy can activate, by name.
var faults = map[string]Fault{
	FaultMemoryLeak: {
		Name: FaultMemoryLeak, Latency: 4, ErrorRatio: 0.12, CPU: 0.4,
		LeakBytesPerSecond: 3 * mib,
	},
}

// faultForVersion returns the fault a version name asks for: any version containing
// "leak" ("v2-leaky") brings the memory leak. Other versions are healthy.
func faultForVersion(version string) string {
	if strings.Contains(strings.ToLower(version), "leak") {
		return FaultMemoryLeak
	}
	return ""
}

// injection is one activation of a fault on a service.
type injection struct {
	fault      Fault
	service    string
	version    string
	previous   string
	injectedAt time.Time
	rolledBack time.Time // zero while active
}

// intensity is how strongly the fault acts at t, from 0 to 1: it rises with time constant
// ramp after injection, and decays from where it was with time constant recovery after
// rollback.
func (in *injection) intensity(t time.Time, ramp, recovery time.Duration) float64 {
	if t.Before(in.injectedAt) {
		return 0
	}
	rise := func(at time.Time) float64 {
		return 1 - math.Exp(-at.Sub(in.injectedAt).Seconds()/ramp.Seconds())
	}
	if in.rolledBack.IsZero() || t.Before(in.rolledBack) {
		return rise(t)
	}
	return rise(in.rolledBack) * math.Exp(-t.Sub(in.rolledBack).Seconds()/recovery.Seconds())
}

// leaked is the memory the fault holds at t: it grows while active and is gone after
// rollback, which restarts the process.
func (in *injection) leaked(t time.Time) float64 {
	if t.Before(in.injectedAt) || !in.rolledBack.IsZero() && !t.Before(in.rolledBack) {
		return 0
	}
	return in.fault.LeakBytesPerSecond * t.Sub(in.injectedAt).Seconds()
}

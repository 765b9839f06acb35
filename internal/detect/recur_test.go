package detect

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestRecurringDailySpike checks that a spike coming back every night at about the same
// time (a cron job) stops being reported after a few days, while a spike of the same
// size at another time of day still is.
func TestRecurringDailySpike(t *testing.T) {
	d := NewDetector()
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	const step = 5 * time.Minute
	jitter := []int{0, 15, 10, -10, 5, 15, -5}
	reported := map[int]bool{}
	var odd bool
	for i := 0; i < 8*288; i++ {
		at := start.Add(time.Duration(i) * step)
		day, tod := i/288, at.Sub(start.Add(time.Duration(i/288)*24*time.Hour))
		v := 0.12 + 0.01*rng.NormFloat64()
		cron := 200*time.Minute + time.Duration(jitter[day%len(jitter)])*time.Minute
		if tod >= cron && tod < cron+step {
			v = 1.5
		}
		if day == 7 && tod == 14*time.Hour {
			v = 1.5
		}
		r := d.Step(at.UnixMilli(), v)
		if r.Onset < 0.3 {
			continue
		}
		if day == 7 && tod == 14*time.Hour {
			odd = true
		} else if tod >= cron && tod < cron+step {
			reported[day] = true
		}
	}
	for day := 4; day < 8; day++ {
		if reported[day] {
			t.Errorf("day %d: the nightly spike was reported after %d nights of it", day, day)
		}
	}
	if !reported[1] {
		t.Errorf("day 1: the nightly spike was not reported while still new")
	}
	if !odd {
		t.Errorf("the spike at 14:00 on day 7 was not reported")
	}
}

func TestTodMid(t *testing.T) {
	tests := []struct{ a, b, want int }{
		{200, 220, 210}, {1430, 10, 0}, {10, 1430, 0}, {0, 720, 360},
	}
	for _, tt := range tests {
		if got := todMid(tt.a, tt.b); got != tt.want {
			t.Errorf("todMid(%d, %d) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestRecurSlotPacking checks that a slot gives back the minute, hit count and day it was
// packed with, at the ends of their ranges, the day modulo 2048.
func TestRecurSlotPacking(t *testing.T) {
	for _, tt := range []struct {
		tod, hits int
		day       uint16
	}{{0, 0, 0}, {1439, recurMaxHits, 2047}, {720, 1, 65535}, {1, 3, 20454}} {
		s := newRecurSlot(tt.tod, tt.hits, tt.day)
		if s.tod() != tt.tod || s.hits() != tt.hits || s.day() != tt.day%recurDayMod {
			t.Errorf("slot(%d, %d, %d) reads back (%d, %d, %d)", tt.tod, tt.hits, tt.day,
				s.tod(), s.hits(), s.day())
		}
	}
}

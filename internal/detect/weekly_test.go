package detect

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestWeeklyShape checks that a series whose weekends are quieter than its weekdays is
// not reported at every weekend once it has seen two weeks of them, while a drop on a
// weekday still is.
func TestWeeklyShape(t *testing.T) {
	for _, weekly := range []bool{true, false} {
		d := NewDetector()
		rng := rand.New(rand.NewPCG(5, 6))
		start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
		const step = 10 * time.Minute
		var weekend, drop int
		for i := 0; i < 5*7*144; i++ {
			at := start.Add(time.Duration(i) * step)
			v := 100.0
			if wd := at.Weekday(); weekly && (wd == time.Saturday || wd == time.Sunday) {
				v = 60
			}
			dropDay := at.After(start.AddDate(0, 0, 30)) && at.Before(start.AddDate(0, 0, 30).Add(3*time.Hour))
			if dropDay {
				v = 60 // day 30 is a Wednesday
			}
			r := d.Step(at.UnixMilli(), v+2*rng.NormFloat64())
			if r.Onset < Threshold(DefaultSensitivity) {
				continue
			}
			switch {
			case dropDay:
				drop++
			case at.After(start.AddDate(0, 0, 19)):
				weekend++
			}
		}
		if weekend > 0 {
			t.Errorf("weekly=%v: %d onsets in weeks 3-5 outside the drop", weekly, weekend)
		}
		if drop == 0 {
			t.Errorf("weekly=%v: the weekday drop was not reported", weekly)
		}
	}
}

// TestWeekShape checks that a bump that comes every Friday evening, which neither the
// daily profile nor a weekday offset can hold, is learned as the week's shape once it has
// been seen for a few weeks, while the same bump on a Wednesday is still reported.
func TestWeekShape(t *testing.T) {
	d := NewDetector()
	rng := rand.New(rand.NewPCG(7, 8))
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC) // a Monday
	const step = 10 * time.Minute
	var friday, wednesday int
	for i := 0; i < 6*7*144; i++ {
		at := start.Add(time.Duration(i) * step)
		evening := at.Hour() >= 20
		fri := at.Weekday() == time.Friday && evening
		odd := at.Weekday() == time.Wednesday && evening && at.After(start.AddDate(0, 0, 35))
		v := 100.0
		if fri || odd {
			v = 130
		}
		r := d.Step(at.UnixMilli(), v+2*rng.NormFloat64())
		if r.Onset < Threshold(DefaultSensitivity) {
			continue
		}
		switch {
		case odd:
			wednesday++
		case fri && at.After(start.AddDate(0, 0, 28)):
			friday++
		}
	}
	if friday > 0 {
		t.Errorf("%d onsets on the Fridays of weeks 5 and 6", friday)
	}
	if wednesday == 0 {
		t.Error("the Wednesday bump was not reported")
	}
}

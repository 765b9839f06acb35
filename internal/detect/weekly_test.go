package detect

import (
	"math/rand/v2"
	"testing"
	"time"
)

// weekStart is the Monday the week tests start on.
var weekStart = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// onsetsOver runs a fresh detector over weeks of 10-minute samples of value(at) plus
// Gaussian noise of sd 2 and returns the times of the onsets at the default threshold.
func onsetsOver(seed uint64, weeks int, value func(at time.Time) float64) []time.Time {
	d := NewDetector()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	const step = 10 * time.Minute
	var onsets []time.Time
	for i := 0; i < weeks*7*144; i++ {
		at := weekStart.Add(time.Duration(i) * step)
		r := d.Step(at.UnixMilli(), value(at)+2*rng.NormFloat64())
		if r.Onset >= Threshold(DefaultSensitivity) {
			onsets = append(onsets, at)
		}
	}
	return onsets
}

// TestWeeklyShape checks that a series whose weekends are quieter than its weekdays is
// not reported at every weekend once it has seen two weeks of them, while a drop on a
// weekday still is.
func TestWeeklyShape(t *testing.T) {
	dropFrom := weekStart.AddDate(0, 0, 30) // day 30 is a Wednesday
	dropDay := func(at time.Time) bool {
		return at.After(dropFrom) && at.Before(dropFrom.Add(3*time.Hour))
	}
	for _, weekly := range []bool{true, false} {
		var weekend, drop int
		onsets := onsetsOver(5, 5, func(at time.Time) float64 {
			wd := at.Weekday()
			if dropDay(at) || weekly && (wd == time.Saturday || wd == time.Sunday) {
				return 60
			}
			return 100
		})
		for _, at := range onsets {
			switch {
			case dropDay(at):
				drop++
			case at.After(weekStart.AddDate(0, 0, 19)):
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
	fri := func(at time.Time) bool { return at.Weekday() == time.Friday && at.Hour() >= 20 }
	odd := func(at time.Time) bool {
		return at.Weekday() == time.Wednesday && at.Hour() >= 20 &&
			at.After(weekStart.AddDate(0, 0, 35))
	}
	var friday, wednesday int
	onsets := onsetsOver(7, 6, func(at time.Time) float64 {
		if fri(at) || odd(at) {
			return 130
		}
		return 100
	})
	for _, at := range onsets {
		switch {
		case odd(at):
			wednesday++
		case fri(at) && at.After(weekStart.AddDate(0, 0, 28)):
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

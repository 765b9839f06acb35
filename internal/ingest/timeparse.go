package ingest

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	// Zone names in time_zone must resolve on hosts and images without a zone database.
	_ "time/tzdata"
)

// zonedLayouts are the layouts that carry their own zone or offset, tried in order. Go's
// parser accepts a fraction of 1 to 9 digits after the seconds even when the layout has
// none, so one layout covers every precision.
var zonedLayouts = []string{
	time.RFC3339,                // 2006-01-02T15:04:05.999Z07:00
	"2006-01-02T15:04:05Z0700",  // +0000, no colon (PagerDuty, CloudWatch)
	"2006-01-02T15:04:05Z07",    // +00
	"2006-01-02 15:04:05Z07:00", // space instead of T
	"2006-01-02 15:04:05Z0700",
	"2006-01-02 15:04:05 Z0700",
	"2006-01-02 15:04:05 Z07:00",
	"2006-01-02 15:04:05 -0700 MST", // Go's default String form
	time.RFC1123Z,
	time.RFC1123,
}

// localLayouts are zone-less layouts; they are read in the source's configured zone.
var localLayouts = []string{
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05",
	"2006.01.02 15:04:05", // Zabbix {EVENT.DATE} {EVENT.TIME}
	"1/2/2006 3:04:05 PM", // Azure log alerts, US locale
	"01/02/2006 15:04:05", // US locale, 24 h
	"2006-01-02",          // a date alone
	"2006.01.02",
}

// Epoch magnitudes: a number below secondsBelow is read as seconds, below millisBelow as
// milliseconds, below microsBelow as microseconds, anything larger as nanoseconds. Seconds
// up to 1e11 reach the year 5138, so no plausible timestamp is misread.
const (
	secondsBelow = 1e11
	millisBelow  = 1e14
	microsBelow  = 1e17
)

// ParseTime parses a time the way sources send them: RFC 3339 with 0 to 9 fraction digits,
// offsets with or without a colon, epoch seconds, fractional seconds, milliseconds,
// microseconds or nanoseconds (also as strings), and zone-less local times, which are read
// in loc (UTC when loc is nil). An empty string gives the zero time and no error; anything
// else that does not parse is an error naming the field.
//
// A time outside the range of checkTimeRange is an error too, but the zero time
// (0001-01-01T00:00:00Z, Go's "unset" that Grafana and Alertmanager send) gives the zero
// time and no error.
func ParseTime(field, v string, loc *time.Location) (time.Time, error) {
	t, err := parseTime(field, v, loc)
	if err != nil || t.IsZero() {
		return time.Time{}, err
	}
	return t, checkTimeRange(field, t)
}

// parseTime is ParseTime without the range check.
func parseTime(field, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if looksNumeric(v) {
		t, err := parseEpoch(v)
		if err != nil {
			return time.Time{}, Errorf("field %s: parsing time %q: %v", field, v, err)
		}
		return t, nil
	}
	for _, l := range zonedLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), nil
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, Errorf("field %s: unrecognised time %q", field, v)
}

// ParseTimeJSON parses a raw JSON time value: a string or a number in any form ParseTime
// takes. Absent values, null and "" give the zero time and no error. Numbers are read from
// their text, never through float64, so 19-digit nanoseconds keep every digit.
func ParseTimeJSON(field string, raw json.RawMessage, loc *time.Location) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return time.Time{}, Errorf("field %s: decoding time: %v", field, err)
		}
		return ParseTime(field, s, loc)
	}
	if !looksNumeric(string(raw)) {
		return time.Time{}, Errorf("field %s: time must be a string or a number, got %s",
			field, clip(string(raw), 40))
	}
	return ParseTime(field, string(raw), loc)
}

// looksNumeric reports whether v is a decimal number, possibly signed, fractional or in
// exponent form.
func looksNumeric(v string) bool {
	digits := 0
	for i, c := range v {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == 'e' || c == 'E':
		case (c == '-' || c == '+') && (i == 0 || v[i-1] == 'e' || v[i-1] == 'E'):
		default:
			return false
		}
	}
	return digits > 0
}

// parseEpoch reads an epoch number, choosing its unit by magnitude. Plain decimals are
// split at the point and read as integers so that no digit is lost to float rounding.
func parseEpoch(v string) (time.Time, error) {
	if strings.ContainsAny(v, "eE") {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) >= 1e19 {
			return time.Time{}, errNotEpoch
		}
		v = strconv.FormatFloat(f, 'f', -1, 64)
	}
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimLeft(v, "+-")
	intPart, frac, _ := strings.Cut(v, ".")
	if intPart == "" {
		intPart = "0"
	}
	whole, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil || strings.ContainsAny(frac, ".+-") {
		return time.Time{}, errNotEpoch
	}

	unit := epochUnit(whole)
	ns := fracNanos(frac, unit)
	if ns < 0 || (unit > 1 && whole > math.MaxInt64/unit-1) {
		return time.Time{}, errNotEpoch
	}
	total := whole*unit + ns
	if neg {
		total = -total
	}
	return time.Unix(0, total).UTC(), nil
}

var errNotEpoch = Errorf("not an epoch number in range")

// epochUnit is the length in nanoseconds of one unit of an epoch number of this size.
func epochUnit(whole int64) int64 {
	switch {
	case whole < secondsBelow:
		return int64(time.Second)
	case whole < millisBelow:
		return int64(time.Millisecond)
	case whole < microsBelow:
		return int64(time.Microsecond)
	}
	return 1
}

// fracNanos converts the digits after the point of a number in the given unit to
// nanoseconds; digits finer than a nanosecond are dropped. It returns -1 for non-digits.
func fracNanos(frac string, unit int64) int64 {
	if frac == "" {
		return 0
	}
	if len(frac) > 9 {
		frac = frac[:9]
	}
	frac += strings.Repeat("0", 9-len(frac))
	n, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return -1
	}
	return n * unit / int64(time.Second)
}

// Location returns the zone that zone-less times from this source are read in: the
// configured time_zone, or UTC when none is set.
func (c SourceConfig) Location() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return nil, Errorf("loading time_zone %q: %v", c.TimeZone, err)
	}
	return loc, nil
}

// clip shortens s for an error message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

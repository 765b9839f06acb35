package ingest

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in   string
		loc  *time.Location
		want string // RFC 3339 in UTC; "" for the zero time
	}{
		{"2023-06-12T08:24:38Z", nil, "2023-06-12T08:24:38Z"},
		{"2023-06-12T08:24:38.3Z", nil, "2023-06-12T08:24:38.3Z"},
		{"2023-06-12T08:24:38.326Z", nil, "2023-06-12T08:24:38.326Z"},
		{"2019-03-22T13:58:24.3713213Z", nil, "2019-03-22T13:58:24.3713213Z"},
		{"2026-05-05T13:04:57.62281314Z", nil, "2026-05-05T13:04:57.62281314Z"},
		{"2026-05-05T13:04:57.123456789Z", nil, "2026-05-05T13:04:57.123456789Z"},
		{"2015-07-17T08:42:58.315+0000", nil, "2015-07-17T08:42:58.315Z"},
		{"2024-09-09T01:59:07.423+0530", nil, "2024-09-08T20:29:07.423Z"},
		{"2024-09-09T01:59:07+05:30", nil, "2024-09-08T20:29:07Z"},
		{"2024-09-09 01:59:07+02:00", nil, "2024-09-08T23:59:07Z"},
		{"1675315787", nil, "2023-02-02T05:29:47Z"},
		{"1697188278.203504", nil, "2023-10-13T09:11:18.203504Z"},
		{"1566248777.677", nil, "2019-08-19T21:06:17.677Z"},
		{"1759343824000", nil, "2025-10-01T18:37:04Z"},
		{"1697188278203504", nil, "2023-10-13T09:11:18.203504Z"},
		{"1420452193166002000", nil, "2015-01-05T10:03:13.166002Z"},
		{"1.566248777677e9", nil, "2019-08-19T21:06:17.677Z"},
		{"2024.05.02 10:15:42", berlin, "2024-05-02T08:15:42Z"},
		{"2024.01.02 10:15:42", berlin, "2024-01-02T09:15:42Z"},
		{"2024-05-02T10:15:42", nil, "2024-05-02T10:15:42Z"},
		{"3/22/2019 1:36:31 PM", newYork, "2019-03-22T17:36:31Z"},
		{"  ", nil, ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseTime("f", c.in, c.loc)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == "" {
				if !got.IsZero() {
					t.Fatalf("got %v, want zero", got)
				}
				return
			}
			want, _ := time.Parse(time.RFC3339Nano, c.want)
			if !got.Equal(want) || got.Location() != time.UTC {
				t.Fatalf("got %v, want %v", got.Format(time.RFC3339Nano), c.want)
			}
		})
	}
}

func TestParseTimeErrorsNameTheField(t *testing.T) {
	for _, in := range []string{"yesterday", "2024-13-45T00:00:00Z", "1e400", "12.3.4",
		"--5", "2024-05-02T10:15"} {
		_, err := ParseTime("payload.timestamp", in, nil)
		if err == nil {
			t.Errorf("%q parsed", in)
			continue
		}
		if !strings.Contains(err.Error(), "payload.timestamp") {
			t.Errorf("%q: error %q does not name the field", in, err)
		}
		if _, ok := err.(*Error); !ok {
			t.Errorf("%q: error is not a 400 *Error", in)
		}
	}
}

// TestParseTimeRange checks that times no source can mean are refused by name, since
// stored they overflowed UnixNano, while Go's zero time stays "unset".
func TestParseTimeRange(t *testing.T) {
	for _, in := range []string{"0", "-1", "-5", "0000-01-01T00:00:00Z",
		"1969-12-31T23:59:59Z", "2200-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
		"99999999999"} {
		_, err := ParseTime("incident.started_at", in, nil)
		if err == nil || !strings.Contains(err.Error(), "field incident.started_at:") {
			t.Errorf("%q: err %v, want a range error naming the field", in, err)
		}
	}
	for _, in := range []string{"0001-01-01T00:00:00Z", "1970-01-01T00:00:01Z",
		"2199-12-31T23:59:59Z"} {
		got, err := ParseTime("f", in, nil)
		if err != nil {
			t.Errorf("%q: %v", in, err)
		}
		if in == "0001-01-01T00:00:00Z" && !got.IsZero() {
			t.Errorf("%q: got %v, want the zero time (unset)", in, got)
		}
	}
}

func TestParseTimeJSON(t *testing.T) {
	cases := []struct {
		raw     string
		want    string
		wantErr bool
	}{
		{`null`, "", false},
		{``, "", false},
		{`""`, "", false},
		{`1420452193166002000`, "2015-01-05T10:03:13.166002Z", false},
		{`"1759343824000"`, "2025-10-01T18:37:04Z", false},
		{`1697188278.203504`, "2023-10-13T09:11:18.203504Z", false},
		{`"2015-07-17T08:42:58.315+0000"`, "2015-07-17T08:42:58.315Z", false},
		{`{"a":1}`, "", true},
		{`true`, "", true},
		{`"nope"`, "", true},
	}
	for _, c := range cases {
		got, err := ParseTimeJSON("x", json.RawMessage(c.raw), nil)
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err %v, want error %v", c.raw, err, c.wantErr)
			continue
		}
		if c.want == "" {
			if !got.IsZero() {
				t.Errorf("%s: got %v, want zero", c.raw, got)
			}
			continue
		}
		if got.Format(time.RFC3339Nano) != c.want {
			t.Errorf("%s: got %s, want %s", c.raw, got.Format(time.RFC3339Nano), c.want)
		}
	}
}

func TestLocation(t *testing.T) {
	if _, err := (SourceConfig{TimeZone: "Mars/Olympus"}).Location(); err == nil {
		t.Error("unknown zone accepted")
	}
	loc, err := SourceConfig{}.Location()
	if err != nil || loc != time.UTC {
		t.Errorf("default zone %v %v, want UTC", loc, err)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2023-06-12T08:24:38.326Z", "2015-07-17T08:42:58.315+0000",
		"1420452193166002000", "1697188278.203504", "2024.05.02 10:15:42", "-1.5e3",
		"3/22/2019 1:36:31 PM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime("f", s, time.UTC)
		if err == nil && !got.IsZero() && got.Location() != time.UTC {
			t.Errorf("%q parsed to a non-UTC time %v", s, got)
		}
		if err != nil && !strings.Contains(err.Error(), "field f") {
			t.Errorf("%q: error %q does not name the field", s, err)
		}
	})
}

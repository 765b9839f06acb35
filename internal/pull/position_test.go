package pull

import (
	"bytes"
	"context"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestRestartCatchesUp checks that a Puller restored from another's snapshot asks for the
// span since the last poll with a range query, rather than starting from now.
func TestRestartCatchesUp(t *testing.T) {
	fp := &fakeProm{}
	srv := httptest.NewServer(fp)
	defer srv.Close()
	cfg := Config{URL: srv.URL, Interval: 15 * time.Second, Selectors: []string{"up"}}

	before := New(cfg, &recSink{}, nil, nil)
	before.now = func() time.Time { return time.Unix(1000, 0) }
	client, err := before.client()
	if err != nil {
		t.Fatal(err)
	}
	before.Poll(context.Background(), client)
	var snap bytes.Buffer
	if err := before.Snapshot(&snap); err != nil {
		t.Fatal(err)
	}

	after := New(cfg, &recSink{}, nil, nil)
	if err := after.Restore(bytes.NewReader(snap.Bytes())); err != nil {
		t.Fatalf("Restore: %v", err)
	}
	after.now = func() time.Time { return time.Unix(1600, 0) }
	fp.calls = nil
	after.Poll(context.Background(), client)
	want := []string{"range up 1015..1600 step 15"}
	if !reflect.DeepEqual(fp.calls, want) {
		t.Errorf("first poll after restart: calls %q, want %q", fp.calls, want)
	}
}

// TestRestoreRefuses checks what a Puller keeps from snapshots it cannot use.
func TestRestoreRefuses(t *testing.T) {
	cfg := Config{URL: "http://prom:9090", Selectors: []string{"up", "rate(x[1m])"}}
	cases := []struct {
		name, snap, err string
		want            map[string]time.Time
	}{{
		name: "unconfigured selectors dropped",
		snap: `{"version":1,"url":"http://prom:9090","last":{"up":1000,"gone":2000}}`,
		want: map[string]time.Time{"up": time.UnixMilli(1000)},
	}, {
		name: "another server",
		snap: `{"version":1,"url":"http://other:9090","last":{"up":1000}}`,
		err:  `pull positions are of "http://other:9090", not "http://prom:9090"`,
		want: map[string]time.Time{},
	}, {
		name: "another format",
		snap: `{"version":2,"url":"http://prom:9090","last":{"up":1000}}`,
		err:  "version 2, want 1",
		want: map[string]time.Time{},
	}, {
		name: "truncated",
		snap: `{"version":1,"url":"http://pr`,
		err:  "reading pull positions of http://prom:9090",
		want: map[string]time.Time{},
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := New(cfg, &recSink{}, nil, nil)
			err := p.Restore(strings.NewReader(tc.snap))
			if tc.err == "" && err != nil || tc.err != "" &&
				(err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("Restore error %v, want %q", err, tc.err)
			}
			if !reflect.DeepEqual(p.last, tc.want) {
				t.Errorf("positions %v, want %v", p.last, tc.want)
			}
		})
	}
}

// TestSnapshotNames checks that two servers never share a snapshot file.
func TestSnapshotNames(t *testing.T) {
	a := New(Config{URL: "http://a:9090"}, &recSink{}, nil, nil).SnapshotName()
	b := New(Config{URL: "http://b:9090"}, &recSink{}, nil, nil).SnapshotName()
	if a == b || !strings.HasPrefix(a, "pull-") {
		t.Errorf("snapshot names %q and %q", a, b)
	}
}

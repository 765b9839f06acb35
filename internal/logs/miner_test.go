package logs

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newTestMiner(t *testing.T) *Miner {
	t.Helper()
	m, err := New(Config{WarmUp: time.Minute}, nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	m.now = func() time.Time { return t0 }
	return m
}

func line(at time.Time, sev signal.Severity, body string) signal.LogLine {
	return signal.LogLine{Service: "api", Time: at, Severity: sev, Body: body}
}

func reasons(sigs []signal.Signal) []string {
	var out []string
	for _, s := range sigs {
		out = append(out, s.Labels["reason"]+"/"+string(s.Status))
	}
	return out
}

func TestMinerNewTemplate(t *testing.T) {
	cases := []struct {
		name string
		at   time.Duration
		sev  signal.Severity
		want int
	}{
		{"during warm-up", 30 * time.Second, signal.SeverityError, 0},
		{"info after warm-up", 2 * time.Minute, signal.SeverityInfo, 0},
		{"error after warm-up", 2 * time.Minute, signal.SeverityError, 1},
		{"severity from text", 2 * time.Minute, "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := newTestMiner(t)
			m.Observe([]signal.LogLine{line(t0, signal.SeverityInfo, "started ok")}, nil)
			body := "ERROR disk /dev/sda1 failed with code 5"
			out := m.Observe([]signal.LogLine{line(t0.Add(c.at), c.sev, body)}, nil)
			if len(out) != c.want {
				t.Fatalf("got %v, want %d signals", reasons(out), c.want)
			}
			if c.want == 0 {
				return
			}
			s := out[0]
			want, _ := signal.Identity("logs", "api", s.NativeID, ReasonNewTemplate)
			if s.Kind != signal.KindLogPattern || s.Source != "logs" || s.Fingerprint != want ||
				s.Labels["template"] != "disk <*> failed with code <*>" ||
				s.Annotations["examples"] != body || s.Validate() != nil {
				t.Fatalf("bad signal %+v", s)
			}
		})
	}
}

func TestMinerRateShift(t *testing.T) {
	m := newTestMiner(t)
	var got []signal.Signal
	feed := func(minute, n int) {
		batch := make([]signal.LogLine, n)
		for i := range batch {
			batch[i] = line(t0.Add(time.Duration(minute)*time.Minute),
				signal.SeverityWarning, fmt.Sprintf("retrying request %d", i))
		}
		got = m.Observe(batch, got)
	}
	for minute := range 15 {
		feed(minute, 5)
	}
	if len(got) != 0 {
		t.Fatalf("steady rate raised %v", reasons(got))
	}
	feed(15, 100) // a surge
	feed(16, 5)   // closes the surge bucket
	feed(17, 5)   // closes a normal bucket: the shift ends
	feed(18, 5)
	want := []string{"rate_shift/firing", "rate_shift/resolved"}
	if fmt.Sprint(reasons(got)) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", reasons(got), want)
	}
	if got[0].Value != 100 || got[0].Fingerprint != got[1].Fingerprint {
		t.Fatalf("firing %+v resolved %+v", got[0], got[1])
	}
}

func TestMinerAfterDeploy(t *testing.T) {
	m := newTestMiner(t)
	old := "ERROR cache miss storm on shard 3"
	m.Observe([]signal.LogLine{line(t0, signal.SeverityError, old)}, nil)
	deploy := t0.Add(time.Hour)
	m.NoteChange("api", deploy)
	batch := []signal.LogLine{
		line(deploy.Add(time.Minute), signal.SeverityError, old),
		line(deploy.Add(2*time.Minute), signal.SeverityError, "ERROR nil pointer in handler"),
		line(deploy.Add(3*time.Minute), signal.SeverityError, "ERROR nil pointer in handler"),
		line(deploy.Add(time.Hour), signal.SeverityError, "ERROR quota exceeded for tenant"),
	}
	out := m.Observe(batch, nil)
	var after []string
	for _, s := range out {
		if s.Labels["reason"] == ReasonAfterDeploy {
			after = append(after, s.Name)
		}
	}
	// The old template was quiet for an hour before the deploy, so it is fresh too; the
	// quota error comes after the deploy window.
	// The level word leads the line, so it is a header and not part of the template.
	want := []string{"cache miss storm on shard <*>", "nil pointer in handler"}
	if fmt.Sprint(after) != fmt.Sprint(want) {
		t.Fatalf("after-deploy signals for %q, want %q", after, want)
	}
}

func TestMinerSnapshotRestore(t *testing.T) {
	m := newTestMiner(t)
	var batch []signal.LogLine
	for i := range 50 {
		batch = append(batch, line(t0.Add(time.Duration(i)*time.Second), signal.SeverityInfo,
			fmt.Sprintf("user %d logged in from 10.0.0.%d", i, i)))
	}
	m.Observe(batch, nil)
	var buf bytes.Buffer
	if err := m.Snapshot(&buf); err != nil {
		t.Fatal(err)
	}
	m2 := newTestMiner(t)
	if err := m2.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	later := line(t0.Add(10*time.Minute), signal.SeverityError, "user 7 logged in from 10.0.0.9")
	if out := m2.Observe([]signal.LogLine{later}, nil); len(out) != 0 {
		t.Fatalf("known template raised %v after restore", reasons(out))
	}
	tpls := m2.services["api"].p.Templates()
	if len(tpls) != 1 || tpls[0].Count != 51 {
		t.Fatalf("restored %d templates, count %d", len(tpls), tpls[0].Count)
	}
	if err := m2.Restore(bytes.NewReader([]byte(`{"version":99}`))); err == nil {
		t.Fatal("restore accepted an unknown version")
	}
}

func TestMinerConcurrent(t *testing.T) {
	m := newTestMiner(t)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 500 {
				l := line(t0.Add(time.Duration(i)*time.Second), signal.SeverityWarning,
					fmt.Sprintf("worker %d step %d", g, i))
				l.Service = fmt.Sprintf("svc%d", g%2)
				m.Observe([]signal.LogLine{l}, nil)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var buf bytes.Buffer
		_ = m.Snapshot(&buf)
	}()
	wg.Wait()
	if len(m.services) != 2 {
		t.Fatalf("%d services, want 2", len(m.services))
	}
}

func TestMinerSplitsHeaders(t *testing.T) {
	m := newTestMiner(t)
	at := t0.Add(2 * time.Minute)
	out := m.Observe([]signal.LogLine{
		line(t0, "", "2026-03-01T12:00:00.120Z INFO app.Store: saved order 17"),
		line(t0, "", "2026-03-01T12:00:01.450Z INFO app.Store: saved order 18"),
		line(at, "", "2026-03-01T12:02:00.001Z ERROR app.Store: disk full on /data"),
	}, nil)
	s := m.services["api"]
	if n := s.p.Len(); n != 2 {
		t.Fatalf("%d templates, want 2 (the header must not be mined)", n)
	}
	if len(out) != 1 || out[0].Severity != signal.SeverityError ||
		out[0].Labels["template"] != "disk full on <*>" {
		t.Fatalf("got %+v, want one error new-template signal for %q", out,
			"disk full on <*>")
	}
}

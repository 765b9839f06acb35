//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/cerebro-aiops/cerebro/internal/lab"
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// The scenario's timing. The lab's day is 20 minutes and the test starts it at 42% of a
// day, so the traffic peak (and the noisy catalog alert with it) falls in the warm-up and
// is over, by a margin, when the fault is injected.
const (
	dayLength     = 20 * time.Minute
	startPhase    = 0.42
	catalogTight  = 1.27 // traffic factor above which the noisy catalog alert fires
	warmUp        = 4 * time.Minute
	faultyService = "payments"
	faultyVersion = "v2.0.0-leaky"
)

// TestEndToEnd runs the whole loop on real peers: Prometheus scrapes the lab and
// node_exporter, evaluates a team's alert rules, remote-writes to CEREBRO and alerts via
// Alertmanager, whose webhook posts to CEREBRO. A bad deploy must become exactly one
// incident with the deploy ranked first, and the incident must resolve after rollback.
func TestEndToEnd(t *testing.T) {
	requirePeers(t)
	began := time.Now()
	ps := newProcs(t)
	bin := buildCerebro(t, t.TempDir())
	services := lab.DefaultTopology()
	cerebroAddr, promAddr := freeAddr(t), freeAddr(t)
	amAddr, nodeAddr := freeAddr(t), freeAddr(t)
	cerebroURL := "http://" + cerebroAddr

	// CEREBRO first, so nothing the peers send is refused.
	cfg := writeFile(t, ps.dir, "cerebro.yaml", cerebroConfig(services))
	ps.start(t, "cerebro", bin, "serve", "--config", cfg, "--listen", cerebroAddr,
		"--data-dir", filepath.Join(ps.dir, "cerebro-data"), "--log-level", "debug")
	ps.poll(t, "cerebro ready", time.Minute, func() (bool, string) {
		return httpOK(cerebroURL + "/readyz")
	})

	l := startLab(t, ps, cerebroURL, services)
	labAddr := l.Addr()
	startPeers(t, ps, labAddr, nodeAddr, amAddr, promAddr, cerebroURL, services)
	waitTargetsUp(t, ps, promAddr, len(services)+1)

	// Warm-up: baselines learn, and the noisy rules must have reached CEREBRO.
	c := &client{base: cerebroURL, ps: ps}
	warmEnd := began.Add(warmUp)
	ps.poll(t, "warm-up with noise delivered", warmUp+2*time.Minute, func() (bool, string) {
		noisy := c.alertNames(t, "CatalogCPUHigh")
		return time.Now().After(warmEnd) && noisy > 0,
			fmt.Sprintf("%d CatalogCPUHigh signals, %s of warm-up left", noisy,
				time.Until(warmEnd).Round(time.Second))
	})
	checkOnlyNoiseFires(t, promAddr)
	// The noise must be over before the fault: a noise incident still open on a lab
	// service is, by design, where the fault's first signals would join (it is within
	// correlate.hops). The noisy alert usually ends within the warm-up; on a slow run it
	// fired late and was still open when the fault came.
	ps.poll(t, "noise incidents on lab services resolved", 3*time.Minute, func() (bool, string) {
		open := openOnLab(c.incidents(t), services)
		return len(open) == 0, fmt.Sprintf("%d still open: %s", len(open), summary(open))
	})
	before := c.incidents(t)
	for _, in := range before {
		if slices.Contains(in.Services, faultyService) {
			t.Fatalf("incident %d on %s before the fault: %s", in.ID, faultyService, dump(in))
		}
	}
	t.Logf("%d incidents from noise during warm-up", len(before))

	// The bad deploy, through the lab's HTTP control API; the lab posts the change event.
	injectedAt := time.Now()
	labPost(t, labAddr, "/deploy",
		fmt.Sprintf(`{"service":%q,"version":%q}`, faultyService, faultyVersion))
	truth := labTruth(t, labAddr)
	affected := truth.Injections[0].Affected

	// Wait for the flood to land in one incident, diagnosed with the deploy first.
	var fault signal.Incident
	ps.poll(t, "the fault diagnosed", 5*time.Minute, func() (bool, string) {
		found := faultIncidents(c.incidents(t), before, affected)
		if len(found) != 1 {
			return false, fmt.Sprintf("%d fault incidents: %s", len(found), summary(found))
		}
		fault = c.incident(t, found[0].ID)
		return diagnosedRight(fault) && floodIn(fault), summary([]signal.Incident{fault})
	})
	t.Logf("fault incident, MTTD %s:\n%s", fault.DetectedAt.Sub(injectedAt).Round(time.Second),
		dump(fault))
	checkFaultIncident(t, fault)

	// Roll back; the incident must resolve, and no second fault incident may appear.
	rolledBack := time.Now()
	labPost(t, labAddr, "/rollback", fmt.Sprintf(`{"service":%q}`, faultyService))
	ps.poll(t, "the fault incident resolved", 5*time.Minute, func() (bool, string) {
		fault = c.incident(t, fault.ID)
		return fault.Status == signal.IncidentResolved, summary([]signal.Incident{fault})
	})
	t.Logf("resolved %s after rollback", fault.ResolvedAt.Sub(rolledBack).Round(time.Second))
	if found := faultIncidents(c.incidents(t), before, affected); len(found) != 1 {
		t.Errorf("%d fault incidents after rollback, want 1: %s", len(found), summary(found))
	}
	if tr := labTruth(t, labAddr); tr.Injections[0].RolledBackAt == nil {
		t.Errorf("lab truth has no rollback time: %+v", tr.Injections[0])
	}
	checkCerebroMetrics(t, cerebroURL)
	t.Logf("end-to-end scenario took %s", time.Since(began).Round(time.Second))
}

// startLab runs the lab in-process with its day placed for the scenario, logging to a
// file next to the peers' logs.
func startLab(t *testing.T, ps *procs, cerebroURL string, services []lab.Service) *lab.Lab {
	t.Helper()
	f, err := os.Create(filepath.Join(ps.dir, "lab.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	dayStart := time.Now().Add(-time.Duration(startPhase * float64(dayLength)))
	l, err := lab.New(lab.Config{
		CerebroURL: cerebroURL, Services: services, Seed: 1,
		Shape: lab.Shape{DayLength: dayLength, DayStart: dayStart},
	}, slog.New(slog.NewTextHandler(f, nil)))
	if err != nil {
		t.Fatalf("building the lab: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("lab: %v", err)
		}
	})
	select {
	case <-l.Ready():
	case err := <-done:
		t.Fatalf("lab stopped: %v", err)
	}
	return l
}

// startPeers writes the peers' configs and starts node_exporter, Alertmanager and
// Prometheus, waiting for each to be ready.
func startPeers(t *testing.T, ps *procs, labAddr, nodeAddr, amAddr, promAddr,
	cerebroURL string, services []lab.Service) {
	t.Helper()
	ps.start(t, "node-exporter", "/usr/bin/prometheus-node-exporter",
		"--web.listen-address="+nodeAddr, "--no-collector.systemd")

	amCfg := writeFile(t, ps.dir, "alertmanager.yml", alertmanagerConfig(cerebroURL))
	ps.start(t, "alertmanager", "/usr/bin/prometheus-alertmanager",
		"--config.file="+amCfg, "--storage.path="+filepath.Join(ps.dir, "am-data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=",
		"--web.external-url=http://"+amAddr+"/")

	tight := catalogTightThreshold(services, catalogTight)
	writeFile(t, ps.dir, "rules.yml", rules(services, tight))
	promCfg := writeFile(t, ps.dir, "prometheus.yml",
		prometheusConfig(labAddr, nodeAddr, amAddr, cerebroURL, services))
	ps.start(t, "prometheus", "/usr/bin/prometheus",
		"--config.file="+promCfg, "--storage.tsdb.path="+filepath.Join(ps.dir, "prom-data"),
		"--web.listen-address="+promAddr, "--web.external-url=http://"+promAddr+"/",
		"--storage.remote.flush-deadline=5s")

	for name, url := range map[string]string{
		"node-exporter": "http://" + nodeAddr + "/metrics",
		"alertmanager":  "http://" + amAddr + "/-/ready",
		"prometheus":    "http://" + promAddr + "/-/ready",
	} {
		ps.poll(t, name+" ready", time.Minute, func() (bool, string) { return httpOK(url) })
	}
}

// waitTargetsUp waits until Prometheus has scraped every target successfully.
func waitTargetsUp(t *testing.T, ps *procs, promAddr string, want int) {
	t.Helper()
	ps.poll(t, "all targets up", time.Minute, func() (bool, string) {
		var body struct {
			Data struct {
				ActiveTargets []struct {
					ScrapeURL string `json:"scrapeUrl"`
					Health    string `json:"health"`
					LastError string `json:"lastError"`
				} `json:"activeTargets"`
			} `json:"data"`
		}
		if err := getJSON("http://"+promAddr+"/api/v1/targets", &body); err != nil {
			return false, err.Error()
		}
		up := 0
		var bad []string
		for _, tg := range body.Data.ActiveTargets {
			if tg.Health == "up" {
				up++
			} else {
				bad = append(bad, tg.ScrapeURL+": "+tg.Health+" "+tg.LastError)
			}
		}
		return up == want, fmt.Sprintf("%d/%d up; %s", up, want, strings.Join(bad, "; "))
	})
}

// noisyAlerts are the rules expected to fire without a fault.
var noisyAlerts = []string{"CatalogCPUHigh", "NodeCPUBusy", "NodeMemoryLow"}

// checkOnlyNoiseFires fails when a rule other than the noisy ones fires before the fault:
// the thresholds derived from the topology would then be wrong, and the test meaningless.
func checkOnlyNoiseFires(t *testing.T, promAddr string) {
	t.Helper()
	var body struct {
		Data struct {
			Alerts []struct {
				Labels map[string]string `json:"labels"`
				State  string            `json:"state"`
				Value  string            `json:"value"`
			} `json:"alerts"`
		} `json:"data"`
	}
	if err := getJSON("http://"+promAddr+"/api/v1/alerts", &body); err != nil {
		t.Fatalf("reading Prometheus alerts: %v", err)
	}
	for _, a := range body.Data.Alerts {
		if !slices.Contains(noisyAlerts, a.Labels["alertname"]) {
			t.Errorf("%s on %s is %s (value %s) before the fault", a.Labels["alertname"],
				a.Labels["service"], a.State, a.Value)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// openOnLab lists the unresolved incidents that touch a lab service.
func openOnLab(all []signal.Incident, services []lab.Service) []signal.Incident {
	var out []signal.Incident
	for _, in := range all {
		onLab := slices.ContainsFunc(services, func(s lab.Service) bool {
			return slices.Contains(in.Services, s.Name)
		})
		if in.Status != signal.IncidentResolved && onLab {
			out = append(out, in)
		}
	}
	return out
}

// faultIncidents are the incidents opened since the warm-up that touch an affected
// service.
func faultIncidents(all, before []signal.Incident, affected []string) []signal.Incident {
	var out []signal.Incident
	for _, in := range all {
		old := slices.ContainsFunc(before, func(b signal.Incident) bool { return b.ID == in.ID })
		touches := slices.ContainsFunc(in.Services, func(s string) bool {
			return slices.Contains(affected, s)
		})
		if !old && touches {
			out = append(out, in)
		}
	}
	return out
}

// diagnosedRight says whether the top hypothesis is the deploy on the faulty service.
func diagnosedRight(in signal.Incident) bool {
	return len(in.Hypotheses) > 0 && in.Hypotheses[0].Kind == "change" &&
		in.Hypotheses[0].Service == faultyService
}

// floodIn says whether the incident holds the alert flood of the fault: the faulty
// service's errors and memory, and latency on it and on its caller.
func floodIn(in signal.Incident) bool {
	want := []string{"HighErrorRate/payments", "MemoryLeak/payments",
		"HighLatency/payments", "HighLatency/checkout"}
	for _, w := range want {
		name, svc, _ := strings.Cut(w, "/")
		if !slices.ContainsFunc(in.Members, func(m signal.Member) bool {
			return m.Kind == signal.KindAlert && strings.HasPrefix(m.Name, name) &&
				m.Service == svc
		}) {
			return false
		}
	}
	return true
}

// checkFaultIncident checks what a diagnosed fault incident must show.
func checkFaultIncident(t *testing.T, in signal.Incident) {
	t.Helper()
	for _, svc := range []string{"payments", "checkout"} {
		if !slices.Contains(in.Services, svc) {
			t.Errorf("incident services %v lack %s", in.Services, svc)
		}
	}
	top := in.Hypotheses[0]
	if !slices.ContainsFunc(top.Evidence, func(e signal.Evidence) bool {
		return e.Kind == signal.KindChange && e.Service == faultyService
	}) {
		t.Errorf("top hypothesis has no change evidence on %s: %s", faultyService, dump(top))
	}
	if top.Explanation == "" {
		t.Error("top hypothesis has no explanation")
	}
	if in.DetectedAt.IsZero() || in.FirstSignalAt.IsZero() {
		t.Errorf("incident lacks key times: %s", dump(in))
	}
}

// checkCerebroMetrics checks CEREBRO's own /metrics: each real source delivered, and
// nothing a peer sent was rejected.
func checkCerebroMetrics(t *testing.T, cerebroURL string) {
	t.Helper()
	mfs := scrapeCerebro(t, cerebroURL)
	ok := map[string]float64{}
	for _, m := range mfs["cerebro_ingest_requests_total"].GetMetric() {
		if strings.HasPrefix(lbl(m.GetLabel(), "code"), "2") {
			ok[lbl(m.GetLabel(), "source")] += m.GetCounter().GetValue()
		}
	}
	for _, src := range []string{"alertmanager", "changes", "remote-write"} {
		if ok[src] == 0 {
			t.Errorf("cerebro_ingest_requests_total shows no accepted %s request", src)
		}
	}
	for _, m := range mfs["cerebro_ingest_rejected_total"].GetMetric() {
		if v := m.GetCounter().GetValue(); v > 0 {
			t.Errorf("cerebro rejected %v requests from %s: %s", v,
				lbl(m.GetLabel(), "source"), lbl(m.GetLabel(), "reason"))
		}
	}
}

// scrapeCerebro reads CEREBRO's own /metrics.
func scrapeCerebro(t *testing.T, cerebroURL string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(cerebroURL + "/metrics")
	if err != nil {
		t.Fatalf("scraping cerebro: %v", err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing cerebro metrics: %v", err)
	}
	return mfs
}

// client reads CEREBRO's API. When a read fails it says first whether a process died.
type client struct {
	base string
	ps   *procs
}

func (c *client) get(t *testing.T, path string, v any) {
	t.Helper()
	if err := getJSON(c.base+path, v); err != nil {
		if died := c.ps.check(); died != nil {
			t.Fatalf("GET %s: %v", path, died)
		}
		t.Fatalf("GET %s: %v", path, err)
	}
}

func (c *client) incidents(t *testing.T) []signal.Incident {
	t.Helper()
	var body struct {
		Incidents []signal.Incident `json:"incidents"`
	}
	c.get(t, "/api/v1/incidents?limit=1000", &body)
	return body.Incidents
}

func (c *client) incident(t *testing.T, id int64) signal.Incident {
	t.Helper()
	var in signal.Incident
	c.get(t, fmt.Sprintf("/api/v1/incidents/%d", id), &in)
	return in
}

// alertNames counts the Alertmanager signals CEREBRO stored for an alert name.
func (c *client) alertNames(t *testing.T, name string) int {
	t.Helper()
	var body struct {
		Signals []signal.Signal `json:"signals"`
	}
	c.get(t, "/api/v1/signals?source=alertmanager&limit=1000", &body)
	n := 0
	for _, s := range body.Signals {
		if s.Name == name {
			n++
		}
	}
	return n
}

func getJSON(url string, v any) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(b))
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding %s: %w", url, err)
	}
	return nil
}

func labPost(t *testing.T, labAddr, path, body string) {
	t.Helper()
	resp, err := http.Post("http://"+labAddr+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST lab %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST lab %s: %s: %s", path, resp.Status, b)
	}
}

func labTruth(t *testing.T, labAddr string) lab.Truth {
	t.Helper()
	var tr lab.Truth
	if err := getJSON("http://"+labAddr+"/truth", &tr); err != nil {
		t.Fatalf("reading lab truth: %v", err)
	}
	if len(tr.Injections) != 1 {
		t.Fatalf("lab truth has %d injections, want 1", len(tr.Injections))
	}
	return tr
}

func summary(ins []signal.Incident) string {
	var parts []string
	for _, in := range ins {
		top := "no hypothesis"
		if len(in.Hypotheses) > 0 {
			top = fmt.Sprintf("top %s/%s", in.Hypotheses[0].Kind, in.Hypotheses[0].Service)
		}
		parts = append(parts, fmt.Sprintf("#%d %s %v %d members, %s", in.ID, in.Status,
			in.Services, len(in.Members), top))
	}
	return strings.Join(parts, "; ")
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func lbl(pairs []*dto.LabelPair, name string) string {
	for _, p := range pairs {
		if p.GetName() == name {
			return p.GetValue()
		}
	}
	return ""
}

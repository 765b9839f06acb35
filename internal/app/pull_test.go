package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/config"
	"github.com/cerebro-aiops/cerebro/internal/pull"
)

// promStub answers every instant query with one sample of up at the query's time.
func promStub(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"vector","result":[`+
			`{"metric":{"__name__":"up","job":"x"},"value":[%s,"1"]}]}}`, r.Form.Get("time"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestTwoPullSections builds and runs an App with two pull sections: the second Puller's
// counters used to be registered again and panicked, after config check had said ok.
func TestTwoPullSections(t *testing.T) {
	a, b := promStub(t), promStub(t)
	cfg := config.Default()
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	cfg.Pull = []pull.Config{{URL: a.URL, Selectors: []string{"up"}},
		{URL: b.URL, Selectors: []string{"up"}}}
	ctx, cancel := context.WithCancel(context.Background())
	app, err := New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s := &server{app: app, base: "http://" + app.Addr(), cancel: cancel,
		done: make(chan error, 1)}
	go func() { s.done <- app.Run(ctx) }()
	defer s.stop(t)

	want := []string{
		fmt.Sprintf(`cerebro_pull_queries_total{result="ok",url=%q} 1`, a.URL),
		fmt.Sprintf(`cerebro_pull_queries_total{result="ok",url=%q} 1`, b.URL),
	}
	var text string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		text = scrape(t, s.base)
		if strings.Contains(text, want[0]) && strings.Contains(text, want[1]) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("metrics lack %q:\n%s", want, text)
}

func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBenchRemoteWriteBaseURL: a tester gave a CEREBRO server's base URL instead of its
// remote_write route, and the run reported 0 samples/s and exited 0. A run in which no
// request succeeded must fail with the receiver's answer, and --help must say what URL
// to give.
func TestBenchRemoteWriteBaseURL(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/ingest/remote-write", func(w http.ResponseWriter,
		_ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out, err := runCLI("bench", "remote-write", "--target", srv.URL, "--series", "10",
		"--duration", "200ms")
	if err == nil || !strings.Contains(err.Error(), "404 Not Found") ||
		!strings.Contains(out, "samples/s") {
		t.Fatalf("base URL: error %v, output:\n%s", err, out)
	}
	if _, err := runCLI("bench", "remote-write", "--target",
		srv.URL+"/api/v1/ingest/remote-write", "--series", "10",
		"--duration", "200ms"); err != nil {
		t.Fatalf("the route: %v", err)
	}

	help, err := runCLI("bench", "remote-write", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"full remote_write URL",
		"http://HOST:8080/api/v1/ingest/remote-write", "http://HOST:9090/api/v1/write"} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}

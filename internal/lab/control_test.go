package lab

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestControlAPI(t *testing.T) {
	tl := newTestLab(t, Config{})
	steps := []struct {
		name, method, path, body string
		code                     int
		want                     string // a substring of the answer
	}{
		{"deploy unknown service", "POST", "/deploy",
			`{"service":"nope","version":"v2"}`, 404, "unknown service"},
		{"deploy without version", "POST", "/deploy",
			`{"service":"payments"}`, 400, "version is empty"},
		{"deploy unknown fault", "POST", "/deploy",
			`{"service":"payments","version":"v2","fault":"gremlins"}`, 400, "unknown fault"},
		{"deploy bad json", "POST", "/deploy", `{"service":`, 400, "decoding request"},
		{"deploy unknown field", "POST", "/deploy",
			`{"service":"payments","version":"v2","colour":"red"}`, 400, "unknown field"},
		{"rollback with no history", "POST", "/rollback",
			`{"service":"payments"}`, 400, "no previous version"},
		{"truth empty", "GET", "/truth", "", 200, `"injections": []`},
		{"deploy healthy", "POST", "/deploy",
			`{"service":"catalog","version":"v3.3.0"}`, 200, `"version": "v3.3.0"`},
		{"deploy with explicit fault", "POST", "/deploy",
			`{"service":"payments","version":"v2.0.0","fault":"memory-leak"}`, 200,
			`"fault": "memory-leak"`},
		{"truth has it", "GET", "/truth", "", 200, `"affected": [
        "payments",
        "checkout",
        "frontend"
      ]`},
		{"rollback", "POST", "/rollback", `{"service":"payments"}`, 200,
			`"version": "v1.0.0"`},
		{"second rollback refused", "POST", "/rollback",
			`{"service":"payments"}`, 400, "no previous version"},
		{"truth rolled back", "GET", "/truth", "", 200, `"rolled_back_at"`},
		{"state", "GET", "/state", "", 200, `"calls": [
        "payments",
        "inventory"
      ]`},
		{"metrics of all", "GET", "/metrics", "", 200, `lab_build_info{service="db",version="15.4"} 1`},
		{"metrics of unknown service", "GET", "/services/nope/metrics", "", 404, "unknown"},
		{"healthz", "GET", "/healthz", "", 200, "ok"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			req, err := http.NewRequest(st.method, tl.srv.URL+st.path, strings.NewReader(st.body))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != st.code || !strings.Contains(string(body), st.want) {
				t.Errorf("%s %s = %d %s\nwant %d with %q", st.method, st.path,
					resp.StatusCode, body, st.code, st.want)
			}
		})
	}
}

// TestStateAfterLeakyDeploy checks that the version name alone brings the fault.
func TestStateAfterLeakyDeploy(t *testing.T) {
	tl := newTestLab(t, Config{})
	resp, err := http.Post(tl.srv.URL+"/deploy", "application/json",
		strings.NewReader(`{"service":"payments","version":"v2-leaky"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st State
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	for _, s := range st.Services {
		wantFault := ""
		if s.Name == "payments" {
			wantFault = FaultMemoryLeak
		}
		if s.Fault != wantFault {
			t.Errorf("%s fault = %q, want %q", s.Name, s.Fault, wantFault)
		}
	}
}

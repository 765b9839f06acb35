package ingest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAllowedWrongMethod: a 405 used to carry the error type bad_request, which tells a
// client to fix its body when the method is what is wrong.
func TestAllowedWrongMethod(t *testing.T) {
	h := Allowed(http.MethodPost, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("handler called for a GET")
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/metrics", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != http.MethodPost {
		t.Errorf("status %d, Allow %q; want 405 and POST", w.Code, w.Header().Get("Allow"))
	}
	if !strings.Contains(w.Body.String(), `"error":"method_not_allowed"`) {
		t.Errorf("body %s; want error type method_not_allowed", w.Body)
	}
}

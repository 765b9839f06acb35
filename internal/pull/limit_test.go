package pull

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestMaxResponseBytes checks that a response longer than the limit fails the query with
// an error naming the limit and the selector, whether or not its length is announced.
func TestMaxResponseBytes(t *testing.T) {
	body := `{"status":"success","data":{"resultType":"vector","result":[` +
		`{"metric":{"__name__":"up","pad":"` + strings.Repeat("x", 500) + `"},` +
		`"value":[1000,"1"]}]}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		}
		fmt.Fprint(w, body)
		w.(http.Flusher).Flush()
	}))
	defer srv.Close()
	for _, tc := range []struct {
		url  string
		max  int64
		want string
	}{
		{srv.URL, 100, "response of /api/v1/query is larger than " +
			"max_response_bytes (100 bytes)"},
		{srv.URL + "?chunked=1", 100, "larger than max_response_bytes (100 bytes)"},
		{srv.URL + "?chunked=1", int64(len(body)), ""},
		{srv.URL, int64(len(body)), ""},
	} {
		sink := &recSink{}
		p := New(Config{URL: tc.url, Selectors: []string{"up"}, MaxResponseBytes: tc.max},
			sink, nil, nil)
		client, err := p.client()
		if err != nil {
			t.Fatal(err)
		}
		err = p.pollOne(context.Background(), client, "up", time.Unix(1000, 0))
		switch {
		case tc.want == "" && (err != nil || len(sink.got) != 1):
			t.Errorf("%s, limit %d: %v, %d series", tc.url, tc.max, err, len(sink.got))
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) ||
			!strings.HasPrefix(err.Error(), `querying "up": `)):
			t.Errorf("%s, limit %d: error %v, want %q", tc.url, tc.max, err, tc.want)
		}
	}
}

package ingest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// lokiProto builds a logproto.PushRequest the way Promtail sends it, field by field.
func lokiProto(labels string, at time.Time, lines ...string) []byte {
	var stream []byte
	stream = protowire.AppendTag(stream, 1, protowire.BytesType)
	stream = protowire.AppendString(stream, labels)
	for _, l := range lines {
		var ts, entry []byte
		ts = protowire.AppendTag(ts, 1, protowire.VarintType)
		ts = protowire.AppendVarint(ts, uint64(at.Unix()))
		ts = protowire.AppendTag(ts, 2, protowire.VarintType)
		ts = protowire.AppendVarint(ts, uint64(at.Nanosecond()))
		entry = protowire.AppendTag(entry, 1, protowire.BytesType)
		entry = protowire.AppendBytes(entry, ts)
		entry = protowire.AppendTag(entry, 2, protowire.BytesType)
		entry = protowire.AppendString(entry, l)
		stream = protowire.AppendTag(stream, 2, protowire.BytesType)
		stream = protowire.AppendBytes(stream, entry)
	}
	var req []byte
	req = protowire.AppendTag(req, 1, protowire.BytesType)
	req = protowire.AppendBytes(req, stream)
	return req
}

func TestLokiPushHandler(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	proto := snappy.Encode(nil, lokiProto(`{app="api", level="error", job="x"}`, at,
		"db timeout after 30s", ""))
	jsonBody := `{"streams":[{"stream":{"service_name":"web","app":"a"},` +
		`"values":[["1767323045000000006","GET /health 200"]]}]}`
	cases := []struct {
		name, ctype   string
		body          []byte
		code, n       int
		service, line string
		sev           signal.Severity
	}{
		{"protobuf", "application/x-protobuf", proto, 204, 1, "api", "db timeout after 30s",
			signal.SeverityError},
		{"json", "application/json", []byte(jsonBody), 204, 1, "web", "GET /health 200", ""},
		{"not snappy", "application/x-protobuf", []byte("plain bytes"), 400, 0, "", "", ""},
		{"truncated protobuf", "application/x-protobuf",
			snappy.Encode(nil, lokiProto(`{app="api"}`, at, "x")[:9]), 400, 0, "", "", ""},
		{"bad labels", "application/x-protobuf",
			snappy.Encode(nil, lokiProto(`app=api`, at, "x")), 400, 0, "", "", ""},
		{"bad json ts", "application/json",
			[]byte(`{"streams":[{"stream":{},"values":[["yesterday","x"]]}]}`), 400, 0, "",
			"", ""},
		{"wrong type", "text/plain", []byte(jsonBody), 415, 0, "", "", ""},
		{"future entries dropped", "application/json", []byte(`{"streams":[{"stream":` +
			`{"service_name":"web"},"values":[["9223372036854775807","late"],` +
			`["1767323045000000006","GET /health 200"]]}]}`), 204, 1, "web",
			"GET /health 200", ""},
		{"only future entries", "application/json", []byte(`{"streams":[{"stream":{},` +
			`"values":[["9223372036854775807","late"]]}]}`), 400, 0, "", "", ""},
		{"future protobuf", "application/x-protobuf", snappy.Encode(nil,
			lokiProto(`{app="api"}`, time.Now().Add(time.Hour), "x")), 400, 0, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &logCapture{}
			h := LokiPushHandler(testLogGuard(), SourceConfig{}, sink)
			r := httptest.NewRequest(http.MethodPost, "/loki/api/v1/push",
				bytes.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.code {
				t.Fatalf("code %d, want %d: %s", w.Code, c.code, w.Body)
			}
			if len(sink.lines) != c.n {
				t.Fatalf("%d lines delivered, want %d", len(sink.lines), c.n)
			}
			if c.n == 0 {
				return
			}
			l := sink.lines[0]
			if l.Service != c.service || l.Body != c.line || l.Severity != c.sev {
				t.Fatalf("got service %q body %q severity %q", l.Service, l.Body, l.Severity)
			}
			if !l.Time.Equal(at) {
				t.Fatalf("time %v, want %v", l.Time, at)
			}
		})
	}
}

func TestParseLokiLabels(t *testing.T) {
	cases := []struct {
		in   string
		want map[string]string
		ok   bool
	}{
		{`{}`, map[string]string{}, true},
		{`{a="b", c="d \"q\""}`, map[string]string{"a": "b", "c": `d "q"`}, true},
		{`{a="b",}`, map[string]string{"a": "b"}, true},
		{`{a=b}`, nil, false},
		{`a="b"`, nil, false},
		{`{="b"}`, nil, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseLokiLabels(c.in)
			if (err == nil) != c.ok {
				t.Fatalf("err %v, want ok=%v", err, c.ok)
			}
			if len(got) != len(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Fatalf("%s=%q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestLokiOneMegabyteLine(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	lines, err := DecodeLokiProto(snappy.Encode(nil, lokiProto(`{app="a"}`, time.Now(), big)),
		"")
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 1 || len(lines[0].Body) != MaxLogLineBytes {
		t.Fatalf("got %d lines, first of %d bytes", len(lines), len(lines[0].Body))
	}
}

func FuzzDecodeLokiProto(f *testing.F) {
	f.Add(snappy.Encode(nil, lokiProto(`{app="a"}`, time.Unix(1, 0), "hello", "\xff")))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, body []byte) {
		lines, err := DecodeLokiProto(body, "")
		if err != nil {
			return
		}
		for _, l := range lines {
			if l.Body == "" || len(l.Body) > MaxLogLineBytes+3 {
				t.Fatalf("line of %d bytes delivered", len(l.Body))
			}
		}
	})
}

func FuzzDecodeLokiJSON(f *testing.F) {
	f.Add([]byte(`{"streams":[{"stream":{"app":"a"},"values":[["1","x"]]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_, _ = DecodeLokiJSON(body, "")
	})
}

func FuzzParseLokiLabels(f *testing.F) {
	f.Add(`{a="b", c="d"}`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseLokiLabels(s)
	})
}

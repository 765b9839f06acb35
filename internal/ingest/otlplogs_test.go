package ingest

import (
	"bytes"
	"compress/gzip"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func otlpProtoBody(t *testing.T, body string) []byte {
	t.Helper()
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "checkout")
	rec := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	rec.Body().SetStr(body)
	rec.SetSeverityNumber(plog.SeverityNumberError)
	out, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}

func TestOTLPLogsHandler(t *testing.T) {
	sample, err := os.ReadFile("testdata/logs/otlp_logs.json")
	if err != nil {
		t.Fatal(err)
	}
	proto := otlpProtoBody(t, "payment failed for order 42")
	cases := []struct {
		name, ctype, enc string
		body             []byte
		code             int
		service, line    string
		sev              signal.Severity
	}{
		{"json sample", "application/json", "", sample, 200, "my.service",
			"Example log record", signal.SeverityInfo},
		{"protobuf", "application/x-protobuf", "", proto, 200, "checkout",
			"payment failed for order 42", signal.SeverityError},
		{"gzip protobuf", "application/x-protobuf", "gzip", gz(proto), 200, "checkout",
			"payment failed for order 42", signal.SeverityError},
		{"truncated protobuf", "application/x-protobuf", "", proto[:len(proto)-5], 400,
			"", "", ""},
		{"garbage json", "application/json", "", []byte("{not json"), 400, "", "", ""},
		{"wrong type", "text/plain", "", sample, 415, "", "", ""},
		{"wrong encoding", "application/json", "br", sample, 415, "", "", ""},
		{"bad gzip", "application/json", "gzip", []byte("nope"), 400, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &logCapture{}
			h := OTLPLogsHandler(testLogGuard(), SourceConfig{}, sink)
			r := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewReader(c.body))
			r.Header.Set("Content-Type", c.ctype)
			if c.enc != "" {
				r.Header.Set("Content-Encoding", c.enc)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != c.code {
				t.Fatalf("code %d, want %d: %s", w.Code, c.code, w.Body)
			}
			if c.code != 200 {
				if len(sink.lines) != 0 {
					t.Fatalf("rejected request still delivered %d lines", len(sink.lines))
				}
				return
			}
			if len(sink.lines) == 0 {
				t.Fatal("no lines delivered")
			}
			l := sink.lines[0]
			if l.Service != c.service || l.Body != c.line || l.Severity != c.sev {
				t.Fatalf("got service %q body %q severity %q", l.Service, l.Body, l.Severity)
			}
		})
	}
}

func TestOTLPLogsAuth(t *testing.T) {
	h := OTLPLogsHandler(testLogGuard(), SourceConfig{Token: "s3cret"}, &logCapture{})
	r := httptest.NewRequest(http.MethodPost, "/v1/logs", strings.NewReader("{}"))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("code %d without token, want 401", w.Code)
	}
}

func TestCleanLine(t *testing.T) {
	cases := []struct {
		name, in string
		maxLen   int
		valid    bool
	}{
		{"invalid utf8", "bad \xff\xfe bytes", 64, true},
		{"one megabyte", strings.Repeat("é", 1<<19), MaxLogLineBytes, true},
		{"crlf", "line\r\n", 4, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := cleanLine(c.in)
			if len(got) > c.maxLen {
				t.Fatalf("len %d > %d", len(got), c.maxLen)
			}
			if !strings.Contains(got, "\uFFFD") && c.name == "invalid utf8" {
				t.Fatalf("invalid bytes not replaced: %q", got)
			}
			if strings.ContainsRune(got, '\n') {
				t.Fatalf("line break kept: %q", got)
			}
		})
	}
}

func FuzzDecodeOTLPLogs(f *testing.F) {
	sample, _ := os.ReadFile("testdata/logs/otlp_logs.json")
	f.Add(sample, true)
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00}, false)
	f.Fuzz(func(t *testing.T, body []byte, isJSON bool) {
		lines, err := DecodeOTLPLogs(body, isJSON, "")
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

// TestOTLPLogsFuture checks that a record stamped far ahead is dropped and reported in
// the partial success, while the rest of the request is delivered.
func TestOTLPLogsFuture(t *testing.T) {
	ld := plog.NewLogs()
	recs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, ts := range []pcommon.Timestamp{math.MaxInt64,
		pcommon.NewTimestampFromTime(time.Now().Add(time.Hour)),
		pcommon.NewTimestampFromTime(time.Now())} {
		rec := recs.AppendEmpty()
		rec.Body().SetStr("line")
		rec.SetTimestamp(ts)
	}
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	sink := &logCapture{}
	h := OTLPLogsHandler(testLogGuard(), SourceConfig{}, sink)
	r := httptest.NewRequest(http.MethodPost, "/v1/logs", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-protobuf")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK || len(sink.lines) != 1 {
		t.Fatalf("code %d, %d lines delivered; want 200 and 1", w.Code, len(sink.lines))
	}
	resp := plogotlp.NewExportResponse()
	if err := resp.UnmarshalProto(w.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	ps := resp.PartialSuccess()
	if ps.RejectedLogRecords() != 2 || !strings.Contains(ps.ErrorMessage(), "future") {
		t.Errorf("partial success %d %q, want 2 records rejected as in the future",
			ps.RejectedLogRecords(), ps.ErrorMessage())
	}
}

package ingest

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// LokiSource is the source name of the Loki push route (/loki/api/v1/push).
const LokiSource = "loki"

// lokiServiceLabels are the stream labels that name the service, in order of preference.
var lokiServiceLabels = []string{"service_name", "service", "app", "job"}

// LokiPushHandler serves the Loki push API as Promtail, Grafana Alloy and the OTel
// collector's Loki exporter send it: a snappy-compressed logproto.PushRequest
// (application/x-protobuf) or the JSON form ({"streams":[{"stream":{...},"values":[[ts,
// line],...]}]}, optionally gzip-encoded). It answers 204 once sink.AcceptLogs has
// returned, 400 for a body that does not decode, 415 for another content type, 413 above
// MaxBodyBytes or MaxDecodedBytes, 503 when the sink fails.
//
// The service is the first of the stream labels service_name, service, app and job, unless
// cfg.Service overrides it. A level, severity or detected_level label sets the severity.
// Entries stamped more than MaxFutureSkew ahead are dropped and counted in
// cerebro_ingest_dropped_log_lines_total; a push in which every entry was is a 400, as
// Loki itself refuses entries too far ahead.
//
// The protobuf messages are decoded by hand with protowire: the grafana/loki module that
// defines them is AGPL and very heavy, and only two small messages are needed.
func LokiPushHandler(g *Guard, cfg SourceConfig, sink LogSink) http.Handler {
	src := Source{Name: LokiSource}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Header: r.Header, Query: r.URL.Query(), Config: cfg}
		if err := g.Check(src, req, r); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		lines, err := decodeLokiRequest(r, cfg.Service)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		lines, future := dropFutureLines(src.Name, lines, g.now())
		if future > 0 && len(lines) == 0 {
			g.Reject(w, src.Name, Errorf("every entry was dropped: %d entries more than "+
				"%s ahead of the server's clock", future, MaxFutureSkew))
			return
		}
		if err := sink.AcceptLogs(r.Context(), lines); err != nil {
			g.Reject(w, src.Name, fmt.Errorf("accepting Loki push: %w", err))
			return
		}
		g.Metrics.Requests.WithLabelValues(src.Name, "204").Inc()
		w.WriteHeader(http.StatusNoContent)
	})
}

func decodeLokiRequest(r *http.Request, service string) ([]signal.LogLine, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" {
		mt, err = "application/x-protobuf", nil // Promtail's default before it set one
	}
	if err != nil || (mt != "application/x-protobuf" && mt != "application/json") {
		return nil, &Error{Status: http.StatusUnsupportedMediaType, Type: TypeUnsupported,
			Msg: fmt.Sprintf("content type %q: want application/x-protobuf or "+
				"application/json", ct)}
	}
	body, release, err := readEncodedBody(r, MaxDecodedBytes)
	if err != nil {
		return nil, err
	}
	defer release() // the lines are copies: cleanLine and string conversions
	if mt == "application/json" {
		return DecodeLokiJSON(body, service)
	}
	// The snappy-decoded size counts against the budget like a gzip body's.
	if n, err := snappy.DecodedLen(body); err == nil && n <= MaxDecodedBytes {
		h := &budgetHold{}
		defer h.release()
		if err := h.hold(r.Context(), n); err != nil {
			return nil, err
		}
	}
	return DecodeLokiProto(body, service)
}

// lokiStream is one decoded stream: its label set and entries.
type lokiStream struct {
	labels  map[string]string
	entries []lokiEntry
}

type lokiEntry struct {
	at   time.Time
	line string
}

// DecodeLokiProto decodes a snappy-compressed logproto.PushRequest.
func DecodeLokiProto(body []byte, service string) ([]signal.LogLine, error) {
	n, err := snappy.DecodedLen(body)
	if err != nil {
		return nil, Errorf("decoding snappy body: %v", err)
	}
	if n > MaxDecodedBytes {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Type: TypeTooLarge,
			Msg: fmt.Sprintf("decoded body exceeds %d bytes", MaxDecodedBytes)}
	}
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, Errorf("decoding snappy body: %v", err)
	}
	var out []signal.LogLine
	err = eachField(raw, func(num protowire.Number, typ protowire.Type, v []byte) error {
		if num != 1 || typ != protowire.BytesType {
			return nil
		}
		st, err := decodeLokiStream(v)
		if err != nil {
			return err
		}
		out = st.appendLines(out, service)
		return nil
	})
	if err != nil {
		return nil, Errorf("decoding Loki push request: %v", err)
	}
	return out, nil
}

// eachField walks the fields of one protobuf message, handing each length-delimited
// value to fn (v is nil for other wire types, which are skipped).
func eachField(b []byte, fn func(protowire.Number, protowire.Type, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		if typ == protowire.BytesType {
			v, n = protowire.ConsumeBytes(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v); err != nil {
			return err
		}
	}
	return nil
}

// decodeLokiStream decodes a StreamAdapter: labels (1, string), entries (2, repeated).
func decodeLokiStream(b []byte) (lokiStream, error) {
	var st lokiStream
	var labelText string
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			labelText = string(v)
		case num == 2 && typ == protowire.BytesType:
			e, err := decodeLokiEntry(v)
			if err != nil {
				return err
			}
			st.entries = append(st.entries, e)
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	st.labels, err = ParseLokiLabels(labelText)
	return st, err
}

// decodeLokiEntry decodes an EntryAdapter: timestamp (1, google.protobuf.Timestamp) and
// line (2, string); structured metadata (3) is skipped.
func decodeLokiEntry(b []byte) (lokiEntry, error) {
	var e lokiEntry
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte) error {
		switch {
		case num == 1 && typ == protowire.BytesType:
			at, err := decodeTimestamp(v)
			e.at = at
			return err
		case num == 2 && typ == protowire.BytesType:
			e.line = string(v)
		}
		return nil
	})
	return e, err
}

func decodeTimestamp(b []byte) (time.Time, error) {
	var sec, nsec int64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return time.Time{}, protowire.ParseError(n)
		}
		b = b[n:]
		if typ != protowire.VarintType {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return time.Time{}, protowire.ParseError(n)
			}
			b = b[n:]
			continue
		}
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			return time.Time{}, protowire.ParseError(n)
		}
		b = b[n:]
		switch num {
		case 1:
			sec = int64(v)
		case 2:
			nsec = int64(int32(v))
		}
	}
	if sec <= 0 {
		return time.Time{}, nil
	}
	return time.Unix(sec, nsec).UTC(), nil
}

// lokiJSONPush is the JSON form of a push.
type lokiJSONPush struct {
	Streams []struct {
		Stream map[string]string `json:"stream"`
		Values [][]any           `json:"values"`
	} `json:"streams"`
}

// DecodeLokiJSON decodes the JSON push form; each value is [unix-nanos string, line] with
// an optional third element of structured metadata, which is ignored.
func DecodeLokiJSON(body []byte, service string) ([]signal.LogLine, error) {
	var push lokiJSONPush
	if err := json.Unmarshal(body, &push); err != nil {
		return nil, Errorf("decoding Loki push JSON: %v", err)
	}
	var out []signal.LogLine
	for i, s := range push.Streams {
		st := lokiStream{labels: s.Stream}
		for j, v := range s.Values {
			e, err := jsonEntry(v)
			if err != nil {
				return nil, Errorf("streams[%d].values[%d]: %v", i, j, err)
			}
			st.entries = append(st.entries, e)
		}
		out = st.appendLines(out, service)
	}
	return out, nil
}

func jsonEntry(v []any) (lokiEntry, error) {
	if len(v) < 2 {
		return lokiEntry{}, fmt.Errorf("want [timestamp, line], got %d elements", len(v))
	}
	ts, ok1 := v[0].(string)
	line, ok2 := v[1].(string)
	if !ok1 || !ok2 {
		return lokiEntry{}, fmt.Errorf("timestamp and line must be strings")
	}
	ns, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return lokiEntry{}, fmt.Errorf("timestamp %q: want Unix nanoseconds", ts)
	}
	e := lokiEntry{line: line}
	if ns > 0 {
		e.at = time.Unix(0, ns).UTC()
	}
	return e, nil
}

func (st lokiStream) appendLines(out []signal.LogLine, service string) []signal.LogLine {
	labels := make(map[string]string, min(len(st.labels), maxLogLabels))
	for k, v := range st.labels {
		if len(labels) >= maxLogLabels {
			break
		}
		labels[cleanLine(k)] = cleanLine(v)
	}
	if service == "" {
		for _, k := range lokiServiceLabels {
			if v := strings.TrimSpace(labels[k]); v != "" {
				service = v
				break
			}
		}
	}
	sev := levelText(firstNonEmpty(labels["level"], labels["severity"],
		labels["detected_level"]))
	for _, e := range st.entries {
		body := cleanLine(e.line)
		if body == "" {
			continue
		}
		out = append(out, signal.LogLine{Service: service, Time: e.at, Severity: sev,
			Body: body, Labels: labels})
	}
	return out
}

// ParseLokiLabels parses a stream selector in Prometheus label format, {a="b", c="d"},
// as logproto carries it. Values are Go-style quoted strings.
func ParseLokiLabels(s string) (map[string]string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, fmt.Errorf("labels %q: want {name=\"value\", ...}", truncate(s, 64))
	}
	s = strings.TrimSpace(s[1 : len(s)-1])
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, fmt.Errorf("labels: missing name=value at %q", truncate(s, 32))
		}
		name := strings.TrimSpace(s[:eq])
		rest := strings.TrimSpace(s[eq+1:])
		q, err := strconv.QuotedPrefix(rest)
		if err != nil {
			return nil, fmt.Errorf("labels: value of %q is not a quoted string", name)
		}
		val, _ := strconv.Unquote(q)
		if len(out) >= 4*maxLogLabels {
			return nil, fmt.Errorf("labels: more than %d labels", 4*maxLogLabels)
		}
		out[name] = val
		s = strings.TrimSpace(rest[len(q):])
		s = strings.TrimSpace(strings.TrimPrefix(s, ","))
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

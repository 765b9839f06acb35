package ingest

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// OTLPLogsSource is the source name of the OTLP/HTTP logs route (/v1/logs).
const OTLPLogsSource = "otlp-logs"

// MaxLogLineBytes caps one log line as ingest hands it on; the rest is cut. Template mining
// looks at far less, and a 1 MB line must not be copied around whole.
const MaxLogLineBytes = 64 << 10

// maxLogLabels caps the attributes or stream labels copied onto one line.
const maxLogLabels = 32

// OTLPLogsHandler serves OTLP/HTTP logs: an ExportLogsServiceRequest as protobuf
// (application/x-protobuf) or JSON (application/json), optionally gzip-encoded. It answers
// 200 with an empty ExportLogsServiceResponse in the request's encoding once
// sink.AcceptLogs has returned; 400 for a body that does not decode, 415 for another
// content type or encoding, 413 above MaxBodyBytes or MaxOTLPItems log records, 400 for a
// body or resource attribute nested deeper than MaxAnyValueDepth, 503 when the sink fails.
//
// The service is the resource attribute service.name, else another service-like attribute
// (signal.ServiceFromLabels), unless cfg.Service overrides it. Empty bodies are skipped,
// invalid UTF-8 is replaced and lines are cut at MaxLogLineBytes. Records stamped more
// than MaxFutureSkew ahead are dropped, counted in cerebro_ingest_dropped_log_lines_total
// and reported in the response's partial_success (rejected_log_records, error_message).
func OTLPLogsHandler(g *Guard, cfg SourceConfig, sink LogSink) http.Handler {
	src := Source{Name: OTLPLogsSource}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := &Request{Header: r.Header, Query: r.URL.Query(), Config: cfg}
		if err := g.Check(src, req, r); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		isJSON, err := otlpMediaType(r.Header.Get("Content-Type"))
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		body, release, err := readEncodedBody(r, MaxDecodedBytes)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		defer release()
		lines, err := DecodeOTLPLogs(body, isJSON, cfg.Service)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		lines, future := dropFutureLines(src.Name, lines, g.now())
		if err := sink.AcceptLogs(r.Context(), lines); err != nil {
			g.Reject(w, src.Name, fmt.Errorf("accepting OTLP logs: %w", err))
			return
		}
		writeOTLPResponse(w, isJSON, future)
		g.Metrics.Requests.WithLabelValues(src.Name, "200").Inc()
	})
}

func otlpMediaType(ct string) (isJSON bool, err error) {
	mt, _, perr := mime.ParseMediaType(ct)
	switch {
	case perr == nil && mt == "application/x-protobuf":
		return false, nil
	case perr == nil && mt == "application/json":
		return true, nil
	}
	return false, &Error{Status: http.StatusUnsupportedMediaType, Type: TypeUnsupported,
		Msg: fmt.Sprintf("content type %q: want application/x-protobuf or application/json",
			ct)}
}

// writeOTLPResponse answers 200 with an ExportLogsServiceResponse, reporting the records
// dropped for being stamped in the future as a partial success.
func writeOTLPResponse(w http.ResponseWriter, isJSON bool, future int) {
	resp := plogotlp.NewExportResponse()
	if future > 0 {
		ps := resp.PartialSuccess()
		ps.SetRejectedLogRecords(int64(future))
		ps.SetErrorMessage(fmt.Sprintf("%d log records dropped, reason %s: more than %s "+
			"ahead of the server's clock", future, dropFuture, MaxFutureSkew))
	}
	ct := "application/x-protobuf"
	out, err := resp.MarshalProto()
	if isJSON {
		ct = "application/json"
		out, err = resp.MarshalJSON()
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	if err == nil {
		_, _ = w.Write(out)
	}
}

// DecodeOTLPLogs decodes an ExportLogsServiceRequest into log lines. service, when not
// empty, overrides the service of every line.
func DecodeOTLPLogs(body []byte, isJSON bool, service string) ([]signal.LogLine, error) {
	if err := checkOTLPBody(body, isJSON, logsShape); err != nil {
		return nil, err
	}
	req := plogotlp.NewExportRequest()
	var err error
	if isJSON {
		err = req.UnmarshalJSON(body)
	} else {
		err = req.UnmarshalProto(body)
	}
	if err != nil {
		return nil, Errorf("decoding OTLP logs request: %v", err)
	}
	var out []signal.LogLine
	rls := req.Logs().ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		labels, err := attrLabels(rl.Resource().Attributes())
		if err != nil {
			return nil, err
		}
		svc := service
		if svc == "" {
			svc = signal.ServiceFromLabels(labels)
		}
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			if out, err = appendRecords(out, sls.At(j).LogRecords(), svc, labels); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// appendRecords appends a line per record with a body; a body nested past
// MaxAnyValueDepth refuses the request.
func appendRecords(out []signal.LogLine, recs plog.LogRecordSlice, svc string,
	labels map[string]string) ([]signal.LogLine, error) {
	for k := 0; k < recs.Len(); k++ {
		rec := recs.At(k)
		text, ok := anyString(rec.Body())
		if !ok {
			return nil, errTooDeep(fmt.Sprintf("the body of log record %d", k))
		}
		body := cleanLine(text)
		if body == "" {
			continue
		}
		at := rec.Timestamp().AsTime()
		if rec.Timestamp() == 0 {
			at = rec.ObservedTimestamp().AsTime()
		}
		if at.Unix() <= 0 {
			at = time.Time{}
		}
		out = append(out, signal.LogLine{
			Service: svc, Time: at, Body: body, Labels: labels,
			Severity: otlpSeverity(rec.SeverityNumber(), rec.SeverityText()),
		})
	}
	return out, nil
}

// attrLabels flattens resource attributes to strings, at most maxLogLabels of them; one
// nested past MaxAnyValueDepth refuses the request.
func attrLabels(attrs pcommon.Map) (map[string]string, error) {
	out := make(map[string]string, min(attrs.Len(), maxLogLabels))
	for k, v := range attrs.All() {
		if len(out) >= maxLogLabels {
			break
		}
		s, ok := anyString(v)
		if !ok {
			return nil, errTooDeep(fmt.Sprintf("resource attribute %.64q", k))
		}
		out[cleanLine(k)] = cleanLine(s)
	}
	return out, nil
}

// otlpSeverity maps an OTLP severity number, or else its text, to a severity; "" when
// neither says anything, so that the miner looks at the line itself.
func otlpSeverity(n plog.SeverityNumber, text string) signal.Severity {
	switch {
	case n >= plog.SeverityNumberFatal:
		return signal.SeverityCritical
	case n >= plog.SeverityNumberError:
		return signal.SeverityError
	case n >= plog.SeverityNumberWarn:
		return signal.SeverityWarning
	case n >= plog.SeverityNumberInfo:
		return signal.SeverityInfo
	case n >= plog.SeverityNumberTrace:
		return signal.SeverityNone
	}
	return levelText(text)
}

// levelText maps a level name (error, warn, info, debug, fatal, ...) to a severity.
func levelText(text string) signal.Severity {
	switch t := lower(text); {
	case t == "":
		return ""
	case strings.HasPrefix(t, "fatal"), strings.HasPrefix(t, "crit"),
		strings.HasPrefix(t, "panic"), strings.HasPrefix(t, "emerg"), t == "alert":
		return signal.SeverityCritical
	case strings.HasPrefix(t, "err"), t == "severe":
		return signal.SeverityError
	case strings.HasPrefix(t, "warn"):
		return signal.SeverityWarning
	case strings.HasPrefix(t, "info"), t == "notice":
		return signal.SeverityInfo
	case strings.HasPrefix(t, "debug"), strings.HasPrefix(t, "trace"):
		return signal.SeverityNone
	}
	return ""
}

// cleanLine makes outside text safe to mine and store: invalid UTF-8 replaced, cut at
// MaxLogLineBytes on a rune boundary, trailing line breaks removed.
func cleanLine(s string) string {
	if len(s) > MaxLogLineBytes {
		cut := MaxLogLineBytes
		for cut > 0 && cut > MaxLogLineBytes-4 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.TrimRight(s, "\r\n")
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

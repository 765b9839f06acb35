package ingest

import (
	"net/http"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// SignalHandler serves one signal source: read, authenticate, decode, validate, store.
// Nothing is stored unless every signal of the request decodes and validates. A gzip
// Content-Encoding is undone (to at most MaxBodyBytes) once the request is authenticated;
// signatures are checked over the body as sent. Another encoding is a 415. The
// content type is not checked: AWS SNS posts its JSON as text/plain.
func SignalHandler(g *Guard, src Source, cfg SourceConfig, sink SignalSink) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := ReadBody(r)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		req := &Request{Header: r.Header, Query: r.URL.Query(), Body: body, Config: cfg,
			Received: g.Now().UTC()}
		if err := g.Check(src, req, r); err != nil {
			g.Reject(w, src.Name, err)
			return
		}

		// After the check, which signs the bytes as sent, so that no unauthenticated
		// request makes the server inflate gzip. Webhook bodies are small JSON: the
		// decoded cap is the plain body's.
		body, release, err := decodeContent(r, body, MaxBodyBytes)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		defer release()
		req.Body = body

		sigs, err := src.Decode(req)
		if err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		if err := finish(g, src.Name, cfg, sigs); err != nil {
			g.Reject(w, src.Name, err)
			return
		}

		if err := sink.Accept(r.Context(), sigs); err != nil {
			g.Reject(w, src.Name, err)
			return
		}
		if src.Stored != nil {
			src.Stored(req, sigs)
		}
		g.Metrics.Signals.WithLabelValues(src.Name).Add(float64(len(sigs)))
		g.Accepted(w, src.Name, len(sigs))
	})
}

// finish fills the fields the handler owns and validates every signal, its times
// included: this is the one place every source's times pass, whether a decoder parsed
// them with ParseTime or encoding/json.
func finish(g *Guard, source string, cfg SourceConfig, sigs []signal.Signal) error {
	now := g.Now()
	for i := range sigs {
		s := &sigs[i]
		s.Source = source
		s.ReceivedAt = now
		if cfg.Service != "" {
			s.Service = cfg.Service
		}
		if s.Severity == "" {
			s.Severity = signal.SeverityNone
		}
		if err := s.Validate(); err != nil {
			return Errorf("item %d: %v", i, err)
		}
		if err := checkSignalTimes(s, now); err != nil {
			return Errorf("item %d: %v", i, err)
		}
	}
	return nil
}

// Allowed lists the methods a route accepts; others get 405.
func Allowed(method string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method {
			w.Header().Set("Allow", method)
			WriteError(w, &Error{Status: http.StatusMethodNotAllowed, Type: TypeMethodNotAllowed,
				Msg: "method " + r.Method + " not allowed; use " + method})
			return
		}
		h.ServeHTTP(w, r)
	})
}

package ingest

import (
	"context"
	"net/http"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// SignalSink makes decoded signals durable. Accept returns only once every signal is
// stored (or already was: a duplicate delivery is not an error).
type SignalSink interface {
	Accept(ctx context.Context, sigs []signal.Signal) error
}

// Request is what a decoder sees of one HTTP delivery: the body (already size-limited and
// read in full) and the headers, for sources that carry attributes there.
type Request struct {
	Header http.Header
	Query  map[string][]string
	Body   []byte
	Config SourceConfig
	// Received is when the handler took the request; decoders use it as the event time of
	// deliveries that carry none. Zero outside the handler.
	Received time.Time
}

// Decoder turns one delivery into signals. It returns a *Error (via Errorf) for bad input
// so the handler can answer with the right status and message.
type Decoder func(req *Request) ([]signal.Signal, error)

// Verifier checks a source's own request signature (GitHub, PagerDuty v3, SNS). It gets the
// configured secret and returns an error saying why the check failed.
type Verifier func(req *Request, secret string) error

// Source is one alert or change source served at /api/v1/ingest/<Name>.
type Source struct {
	Name   string
	Decode Decoder
	// Verify is the source's signature check; nil means the source only supports the
	// shared-token check.
	Verify Verifier
	// Stored, when set, is called once the sink has made a request's signals durable.
	// Sources that drop redelivered events remember a delivery here, not in Decode, so
	// that a delivery whose storing failed is taken again when the sender retries.
	Stored func(req *Request, sigs []signal.Signal)
}

// SourceConfig is the per-source part of the configuration.
type SourceConfig struct {
	Enabled *bool  `yaml:"enabled" json:"enabled,omitempty"`
	Token   string `yaml:"token" json:"-"`  // shared token: Authorization: Bearer or ?token=
	Secret  string `yaml:"secret" json:"-"` // HMAC secret for sources that sign requests
	// TimeZone is the zone of zone-less local times the source sends (Zabbix).
	TimeZone string `yaml:"time_zone" json:"time_zone,omitempty"`
	// Service overrides the service of every signal from this source when set.
	Service string `yaml:"service" json:"service,omitempty"`
}

// IsEnabled reports whether the source is served; sources are on unless disabled.
func (c SourceConfig) IsEnabled() bool { return c.Enabled == nil || *c.Enabled }

// HasAuth reports whether any authentication is configured for the source.
func (c SourceConfig) HasAuth() bool { return c.Token != "" || c.Secret != "" }

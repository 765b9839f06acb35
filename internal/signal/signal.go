package signal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Kind says what produced a signal.
type Kind string

// The kinds of signal. An alert comes from an outside alerting tool; the others are produced
// by CEREBRO's own stages or, for changes, by CI/CD and Kubernetes.
const (
	KindAlert      Kind = "alert"
	KindAnomaly    Kind = "anomaly"
	KindLogPattern Kind = "logpattern"
	KindChange     Kind = "change"
	KindForecast   Kind = "forecast"
)

// Status is the lifecycle state a signal reports for its identity.
type Status string

// The statuses. Acknowledged keeps an alert open but marks a human on it; Unknown is a
// status the source sent that no mapping understood: it is stored and flagged, and never
// opens an incident.
const (
	StatusFiring       Status = "firing"
	StatusResolved     Status = "resolved"
	StatusAcknowledged Status = "acknowledged"
	StatusUnknown      Status = "unknown"
)

// Severity is the normalized severity of a signal.
type Severity string

// The normalized severities, from most to least urgent.
const (
	SeverityCritical Severity = "critical"
	SeverityError    Severity = "error"
	SeverityWarning  Severity = "warning"
	SeverityInfo     Severity = "info"
	SeverityNone     Severity = "none"
)

// Rank orders severities: higher is more urgent. Unknown strings rank with none.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Signal is one observation from the outside world or from a detector.
//
// Fingerprint is the stable identity used for dedup and lifecycle: every observation of the
// same alert (firing, then resolved) carries the same fingerprint. EventTime is the source's
// own time for this observation (the start for a firing, the end for a resolve); history is
// ordered by it, not by arrival.
type Signal struct {
	ID          int64             `json:"id,omitempty"` // store sequence, set when stored
	Kind        Kind              `json:"kind"`
	Source      string            `json:"source"`    // ingest source name, e.g. "alertmanager"
	NativeID    string            `json:"native_id"` // the source's own id, verbatim
	Fingerprint string            `json:"fingerprint"`
	Name        string            `json:"name"` // alert name, metric, template or change title
	Service     string            `json:"service,omitempty"`
	Summary     string            `json:"summary,omitempty"`
	Severity    Severity          `json:"severity"`
	Status      Status            `json:"status"`
	RawStatus   string            `json:"raw_status,omitempty"` // the source's status word
	Group       string            `json:"group,omitempty"`      // source grouping, e.g. groupKey
	StartsAt    time.Time         `json:"starts_at"`
	EndsAt      time.Time         `json:"ends_at,omitempty"` // zero when unset
	EventTime   time.Time         `json:"event_time"`
	ReceivedAt  time.Time         `json:"received_at"`
	Labels      map[string]string `json:"labels,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`

	// Detector and change details; zero for plain alerts.
	Value    float64 `json:"value,omitempty"`
	Expected *Range  `json:"expected,omitempty"`
	Score    float64 `json:"score,omitempty"` // anomaly strength in [0,1]
	Change   *Change `json:"change,omitempty"`
}

// Range is an expected interval for a value.
type Range struct {
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

// Change describes a deploy, config change or feature-flag flip.
type Change struct {
	Type            string `json:"type"` // deploy, config, flag, rollback
	Version         string `json:"version,omitempty"`
	PreviousVersion string `json:"previous_version,omitempty"`
	Commit          string `json:"commit,omitempty"`
	Author          string `json:"author,omitempty"`
	Environment     string `json:"environment,omitempty"`
	State           string `json:"state,omitempty"` // e.g. success, failure, in_progress
}

// ErrEmptyIdentity is returned when a signal's identity would be built from no fields at all.
var ErrEmptyIdentity = errors.New("identity has no non-empty field")

// Identity builds a fingerprint from the source name and the given identity parts. Empty
// parts are skipped; if every part is empty it fails, because an identity built from nothing
// would merge unrelated alerts.
func Identity(source string, parts ...string) (string, error) {
	h := sha256.New()
	h.Write([]byte(source))
	n := 0
	for _, p := range parts {
		if p == "" {
			continue
		}
		n++
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	if n == 0 {
		return "", fmt.Errorf("building identity for source %q: %w", source, ErrEmptyIdentity)
	}
	return hex.EncodeToString(h.Sum(nil)[:12]), nil
}

// LabelsIdentity builds a fingerprint from a label set, in key order, skipping empty
// values, so that label order in the payload never changes identity.
func LabelsIdentity(source string, labels map[string]string) (string, error) {
	keys := make([]string, 0, len(labels))
	for k, v := range labels {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+labels[k])
	}
	return Identity(source, parts...)
}

// serviceLabels are the label names that name a service, in order of preference.
var serviceLabels = []string{
	"service", "service_name", "service.name", "app", "app_kubernetes_io_name",
	"k8s_app", "application", "job",
}

// ServiceFromLabels picks the service a label set is about, or "" when none names one.
func ServiceFromLabels(labels map[string]string) string {
	for _, k := range serviceLabels {
		if v := strings.TrimSpace(labels[k]); v != "" {
			return v
		}
	}
	return ""
}

// Validate checks the fields every stage relies on.
func (s *Signal) Validate() error {
	switch {
	case s.Kind == "":
		return errors.New("signal has no kind")
	case s.Source == "":
		return errors.New("signal has no source")
	case s.Fingerprint == "":
		return errors.New("signal has no fingerprint")
	case s.Status == "":
		return errors.New("signal has no status")
	case s.EventTime.IsZero():
		return errors.New("signal has no event time")
	}
	return nil
}

// Opens reports whether this signal may open an incident: only firing alerts, anomalies,
// log patterns and forecasts do; changes are evidence, never incidents of their own.
func (s *Signal) Opens() bool {
	return s.Status == StatusFiring && s.Kind != KindChange
}

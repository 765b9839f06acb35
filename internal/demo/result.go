package demo

import "time"

// Result is the outcome of one scenario run, printed as JSON by --json.
type Result struct {
	TopHypothesis  *Top      `json:"top_hypothesis"`
	Correct        bool      `json:"correct"`
	MTTDSeconds    float64   `json:"mttd_seconds"`
	Incidents      int       `json:"incidents"` // opened for the fault
	IncidentID     int64     `json:"incident_id,omitempty"`
	FaultService   string    `json:"fault_service"`
	FaultVersion   string    `json:"fault_version"`
	InjectedAt     time.Time `json:"injected_at"`
	DetectedAt     time.Time `json:"detected_at,omitzero"`
	DiagnosedAt    time.Time `json:"diagnosed_at,omitzero"`
	RolledBackAt   time.Time `json:"rolled_back_at,omitzero"`
	ResolvedAt     time.Time `json:"resolved_at,omitzero"`
	Resolved       bool      `json:"resolved"`
	MTTRSeconds    float64   `json:"mttr_seconds,omitempty"`
	NoiseIncidents int       `json:"noise_incidents"` // opened before the fault
}

// Top names the top-ranked hypothesis.
type Top struct {
	Service string  `json:"service"`
	Kind    string  `json:"kind"`
	Score   float64 `json:"score"`
}

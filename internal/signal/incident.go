package signal

import "time"

// IncidentStatus is where an incident is in its life.
type IncidentStatus string

// The incident statuses.
const (
	IncidentOpen      IncidentStatus = "open"
	IncidentDiagnosed IncidentStatus = "diagnosed"
	IncidentResolved  IncidentStatus = "resolved"
)

// Incident is a set of signals grouped because they share one cause, with the key times
// from which MTTD and MTTR are computed.
type Incident struct {
	ID            int64          `json:"id"`
	Status        IncidentStatus `json:"status"`
	Title         string         `json:"title"`
	Services      []string       `json:"services"`
	OpenedAt      time.Time      `json:"opened_at"`       // wall clock when CEREBRO opened it
	FirstSignalAt time.Time      `json:"first_signal_at"` // earliest member start, source time
	DetectedAt    time.Time      `json:"detected_at"`
	DiagnosedAt   time.Time      `json:"diagnosed_at,omitzero"`
	ResolvedAt    time.Time      `json:"resolved_at,omitzero"`
	LastActivity  time.Time      `json:"last_activity"`
	Members       []Member       `json:"members,omitempty"`
	Timeline      []Entry        `json:"timeline,omitempty"`
	Hypotheses    []Hypothesis   `json:"hypotheses,omitempty"`
}

// Member is one signal identity inside an incident, with its current state. SignalID is
// its latest observation, which gives the state; FirstSignalID is the observation that
// brought it into the incident, which is what diagnosis cites: a later one, such as a
// PagerDuty resolve, often carries nothing but the identity.
type Member struct {
	Fingerprint   string    `json:"fingerprint"`
	SignalID      int64     `json:"signal_id"`
	FirstSignalID int64     `json:"first_signal_id"`
	Source        string    `json:"source"`
	Kind          Kind      `json:"kind"`
	Name          string    `json:"name"`
	Service       string    `json:"service"`
	Group         string    `json:"group,omitempty"`
	Status        Status    `json:"status"`
	Score         float64   `json:"score,omitempty"`
	StartsAt      time.Time `json:"starts_at"`
	EndsAt        time.Time `json:"ends_at,omitzero"`
}

// Entry is one line of an incident's timeline. At is when the event happened: the
// source's own time for rows about a signal (a firing's start, a resolve's end), CEREBRO's
// clock for what CEREBRO did (opened, diagnosed). RecordedAt is always CEREBRO's clock,
// when it wrote the row; timelines are listed in that order, so that rows from sources
// whose clocks disagree, or that deliver late, keep the order in which CEREBRO learned of
// them instead of interleaving two clocks.
type Entry struct {
	At         time.Time `json:"at"`
	RecordedAt time.Time `json:"recorded_at"`
	Type       string    `json:"type"` // opened, firing, resolved, late, diagnosed, ...
	Text       string    `json:"text"`
	SignalID   int64     `json:"signal_id,omitempty"`
}

// Hypothesis is a suspected cause: a service plus a reason, with a score, evidence and a
// plain-language explanation.
type Hypothesis struct {
	Rank        int        `json:"rank"`
	Service     string     `json:"service"`
	Kind        string     `json:"kind"` // change, upstream, anomaly
	Score       float64    `json:"score"`
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
}

// Evidence points at a stored signal that supports a hypothesis.
type Evidence struct {
	SignalID int64     `json:"signal_id"`
	Kind     Kind      `json:"kind"`
	Name     string    `json:"name"`
	Service  string    `json:"service"`
	At       time.Time `json:"at"`
	Detail   string    `json:"detail"`
}

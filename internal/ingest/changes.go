package ingest

import (
	"bytes"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// ChangeEvent is the body of /api/v1/ingest/changes: a deploy, rollback, config change or
// feature-flag flip. The body is one object or an array of them.
type ChangeEvent struct {
	ID              string            `json:"id"`
	Type            string            `json:"type"` // deploy, rollback, config, flag
	Service         string            `json:"service"`
	Version         string            `json:"version"`
	PreviousVersion string            `json:"previous_version"`
	Commit          string            `json:"commit"`
	Author          string            `json:"author"`
	Environment     string            `json:"environment"`
	State           string            `json:"state"`
	Description     string            `json:"description"`
	Time            *time.Time        `json:"time"`
	Labels          map[string]string `json:"labels"`
}

// changeTimes are the time fields of a ChangeEvent.
var changeTimes = []string{"time"}

var changeTypes = map[string]bool{"deploy": true, "rollback": true, "config": true, "flag": true}

// DecodeChanges decodes change events. A change is a point event: its identity is the
// sender's id, so that the progress reports of one change (in_progress, then success)
// share it, or else the service, type, version, commit and time together, so a retried
// delivery is stored once.
func DecodeChanges(req *Request) ([]signal.Signal, error) {
	var evs []ChangeEvent
	body := bytes.TrimSpace(req.Body)
	if len(body) > 0 && body[0] == '{' {
		evs = make([]ChangeEvent, 1)
		if err := strictJSON(body, &evs[0]); err != nil {
			return nil, Errorf("decoding change: %v", timeFieldError(err, body, changeTimes))
		}
	} else if err := strictJSON(body, &evs); err != nil {
		return nil, Errorf("decoding changes: %v", timeFieldError(err, body, changeTimes))
	}
	if len(evs) == 0 {
		return nil, Errorf("decoding changes: no change in body")
	}

	out := make([]signal.Signal, 0, len(evs))
	for i, c := range evs {
		s, err := c.signal()
		if err != nil {
			return nil, Errorf("changes[%d]: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func (c ChangeEvent) signal() (signal.Signal, error) {
	switch {
	case !changeTypes[c.Type]:
		return signal.Signal{}, Errorf("field type: %q is not one of deploy, rollback, config, flag", c.Type)
	case c.Service == "":
		return signal.Signal{}, Errorf("field service is required")
	case c.Time == nil || c.Time.IsZero():
		return signal.Signal{}, Errorf("field time is required")
	}
	at := c.Time.UTC()
	fp, err := changeIdentity(c, at)
	if err != nil {
		return signal.Signal{}, err
	}
	name := c.Type + " " + c.Service
	if c.Version != "" {
		name += " " + c.Version
	}
	return signal.Signal{
		Kind: signal.KindChange, NativeID: c.ID, Fingerprint: fp, Name: name,
		Service: c.Service, Summary: c.Description, Severity: signal.SeverityInfo,
		Status: signal.StatusResolved, RawStatus: c.State,
		StartsAt: at, EndsAt: at, EventTime: at, Labels: c.Labels,
		Change: &signal.Change{
			Type: c.Type, Version: c.Version, PreviousVersion: c.PreviousVersion,
			Commit: c.Commit, Author: c.Author, Environment: c.Environment, State: c.State,
		},
	}, nil
}

// changeIdentity is the sender's id when given, else the change's own fields and time.
func changeIdentity(c ChangeEvent, at time.Time) (string, error) {
	if c.ID != "" {
		return signal.Identity("changes", "id", c.ID)
	}
	return signal.Identity("changes", c.Service, c.Type, c.Version, c.Commit,
		at.Format(time.RFC3339Nano))
}

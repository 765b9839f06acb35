package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// icingaEvent is one event of the Icinga 2 API event stream (/v1/events), as a forwarder
// posts it: StateChange, AcknowledgementSet or AcknowledgementCleared.
type icingaEvent struct {
	Type            string          `json:"type"`
	Host            string          `json:"host"`
	Service         string          `json:"service"`
	State           *int            `json:"state"`
	StateType       *int            `json:"state_type"` // 0 SOFT, 1 HARD
	Timestamp       json.RawMessage `json:"timestamp"`  // epoch float seconds
	Acknowledgement bool            `json:"acknowledgement"`
	DowntimeDepth   int             `json:"downtime_depth"`
	CheckResult     *struct {
		Output string `json:"output"`
	} `json:"check_result"`
}

// Host and service states use different enums in Icinga 2.
var (
	icingaHostStates    = []string{"UP", "DOWN"}
	icingaServiceStates = []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}
	icingaServiceSev    = []signal.Severity{signal.SeverityNone, signal.SeverityWarning,
		signal.SeverityCritical, signal.SeverityWarning}
)

// DecodeIcinga decodes Icinga 2 API stream events: one object, an array, or the stream's
// newline-separated objects. Identity is the checked object (host, or host!service, which
// is also Icinga's own object name and the native id). A recovery (state 0) resolves; a
// HARD problem state fires, or is acknowledged when acknowledgement is set; a SOFT problem
// state is stored with status unknown and state_type=soft, because Icinga has not yet
// confirmed it and only HARD states page. Other event types give no signal.
func DecodeIcinga(req *Request) ([]signal.Signal, error) {
	evs, err := icingaEvents(req.Body)
	if err != nil {
		return nil, err
	}
	var out []signal.Signal
	for i, e := range evs {
		s, ok, err := e.signal(req)
		if err != nil {
			return nil, Errorf("events[%d]: %v", i, err)
		}
		if ok {
			out = append(out, s)
		}
	}
	byEventTime(out)
	return out, nil
}

func icingaEvents(body []byte) ([]icingaEvent, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, Errorf("decoding icinga events: empty body")
	}
	if body[0] == '[' {
		var evs []icingaEvent
		return evs, decodeBody("icinga events", body, &evs)
	}
	var evs []icingaEvent
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		var e icingaEvent
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			return evs, nil
		}
		if err != nil {
			return nil, Errorf("decoding icinga event %d: %v", len(evs), err)
		}
		evs = append(evs, e)
	}
}

func (e icingaEvent) signal(req *Request) (signal.Signal, bool, error) {
	switch e.Type {
	case "StateChange", "AcknowledgementSet", "AcknowledgementCleared":
	default:
		return signal.Signal{}, false, nil
	}
	if e.Host == "" {
		return signal.Signal{}, false, Errorf("field host is missing")
	}
	if e.State == nil {
		return signal.Signal{}, false, Errorf("field state is missing")
	}
	at, err := ParseTimeJSON("timestamp", e.Timestamp, nil)
	if err != nil {
		return signal.Signal{}, false, err
	}
	object := e.Host
	if e.Service != "" {
		object += "!" + e.Service
	}
	fp, err := signal.Identity("icinga", e.Host, e.Service)
	if err != nil {
		return signal.Signal{}, false, err
	}

	word, sev := e.stateWord()
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: object, Fingerprint: fp,
		Name: firstNonEmpty(e.Service, e.Host), Service: e.Host, Severity: sev,
		Status: e.status(), RawStatus: word + " " + e.stateTypeWord(), EventTime: at,
		Labels: map[string]string{"host": e.Host, "state_type": e.stateTypeWord()},
	}
	s.Labels = putLabel(s.Labels, "service", e.Service)
	if e.CheckResult != nil {
		s.Summary = clip(e.CheckResult.Output, 500)
	}
	if s.EventTime.IsZero() {
		s.EventTime = receivedAt(req)
	}
	s.StartsAt = s.EventTime
	if s.Status == signal.StatusResolved {
		s.EndsAt = s.EventTime
	}
	return s, true, nil
}

// status maps the event. A state number outside the host or service enum is unknown,
// whatever its state type: it is no state Icinga 2 defines, so it must not page.
func (e icingaEvent) status() signal.Status {
	if word, _ := e.stateWord(); strings.HasPrefix(word, "STATE_") {
		return signal.StatusUnknown
	}
	switch {
	case *e.State == 0:
		return signal.StatusResolved
	case e.Type == "AcknowledgementSet" || e.Acknowledgement:
		return signal.StatusAcknowledged
	case e.StateType != nil && *e.StateType == 1:
		return signal.StatusFiring
	case e.StateType == nil && e.Type == "AcknowledgementCleared":
		return signal.StatusFiring
	}
	return signal.StatusUnknown
}

func (e icingaEvent) stateWord() (string, signal.Severity) {
	st := *e.State
	if e.Service == "" {
		if st >= 0 && st < len(icingaHostStates) {
			if st == 0 {
				return icingaHostStates[st], signal.SeverityNone
			}
			return icingaHostStates[st], signal.SeverityCritical
		}
	} else if st >= 0 && st < len(icingaServiceStates) {
		return icingaServiceStates[st], icingaServiceSev[st]
	}
	return "STATE_" + strconv.Itoa(st), signal.SeverityNone
}

func (e icingaEvent) stateTypeWord() string {
	if e.StateType != nil && *e.StateType == 1 {
		return "hard"
	}
	if e.StateType == nil {
		return "unset"
	}
	return "soft"
}

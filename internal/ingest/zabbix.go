package ingest

import (
	"encoding/json"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// zbxMessage is the body a Zabbix webhook media type posts: its parameters, named as in
// the recommended media type of docs/sources/zabbix.md. Zabbix has no fixed schema, so
// every field is optional and extra parameters are ignored.
type zbxMessage struct {
	ID           flexString      `json:"id"`        // {EVENT.ID}: the problem event
	TriggerID    flexString      `json:"triggerId"` // {TRIGGER.ID}
	Name         string          `json:"name"`      // {EVENT.NAME}
	Status       string          `json:"status"`    // {EVENT.STATUS}: PROBLEM, RESOLVED
	Severity     string          `json:"severity"`  // {EVENT.SEVERITY}
	Message      string          `json:"message"`
	Description  string          `json:"description"`
	HostName     string          `json:"host_name"` // {HOST.NAME}
	HostIP       string          `json:"host_ip"`
	Service      string          `json:"service"`
	Tags         json.RawMessage `json:"tags"`          // {EVENT.TAGSJSON}: JSON in a string
	LastReceived string          `json:"lastReceived"`  // {EVENT.DATE} {EVENT.TIME}
	RecoveredAt  string          `json:"recoveredAt"`   // {EVENT.RECOVERY.DATE} {..TIME}
	UpdateAction string          `json:"update_action"` // {EVENT.UPDATE.ACTION}
	EventAck     string          `json:"event_ack"`     // {EVENT.ACK.STATUS}: Yes, No
	Value        flexString      `json:"value"`         // {EVENT.VALUE}: 1 problem, 0 ok
}

var zbxStatus = statusTable{
	"problem":  signal.StatusFiring,
	"resolved": signal.StatusResolved,
	"ok":       signal.StatusResolved,
}

// DecodeZabbix decodes a Zabbix webhook media type body. The problem event id ({EVENT.ID},
// which Zabbix keeps in the recovery and update messages of the same problem) is the
// native id and the identity; the trigger id stands in when the event id is missing.
// PROBLEM fires, RESOLVED resolves, and a problem that is acknowledged (event_ack Yes or an
// update action that acknowledges) is acknowledged. Times are Zabbix's zone-less server
// times, read in the source's time_zone. Unexpanded macros ("{EVENT.ID}") count as absent.
func DecodeZabbix(req *Request) ([]signal.Signal, error) {
	var m zbxMessage
	if err := decodeBody("zabbix webhook", req.Body, &m); err != nil {
		return nil, err
	}
	loc, err := location(req)
	if err != nil {
		return nil, err
	}
	id, trigger := zbxValue(string(m.ID)), zbxValue(string(m.TriggerID))
	fp, err := zbxIdentity(id, trigger)
	if err != nil {
		return nil, err
	}
	started, err := ParseTime("lastReceived", zbxValue(m.LastReceived), loc)
	if err != nil {
		return nil, err
	}
	recovered, err := ParseTime("recoveredAt", zbxValue(m.RecoveredAt), loc)
	if err != nil {
		return nil, err
	}

	status := zbxStatus.of(zbxValue(m.Status))
	if status == signal.StatusFiring && zbxAcknowledged(m) {
		status = signal.StatusAcknowledged
	}
	s := signal.Signal{
		Kind: signal.KindAlert, NativeID: id, Fingerprint: fp,
		Name: zbxValue(m.Name), Summary: firstNonEmpty(zbxValue(m.Description), m.Name),
		Severity: MapSeverity(zbxValue(m.Severity)), Status: status, RawStatus: m.Status,
		StartsAt: started, EndsAt: recovered, Labels: zbxTags(m.Tags),
	}
	s.EventTime = transitionTime(status, started, recovered, req)
	if status == signal.StatusAcknowledged || status == signal.StatusUnknown {
		s.EventTime = receivedAt(req)
	}
	if s.StartsAt.IsZero() {
		s.StartsAt = s.EventTime
	}
	host := firstNonEmpty(zbxValue(m.HostName), zbxValue(m.Service))
	s.Labels = putLabel(s.Labels, "host", host)
	s.Labels = putLabel(s.Labels, "host_ip", zbxValue(m.HostIP))
	s.Labels = putLabel(s.Labels, "trigger_id", trigger)
	s.Service = firstNonEmpty(signal.ServiceFromLabels(s.Labels), host)
	return []signal.Signal{s}, nil
}

func zbxIdentity(id, trigger string) (string, error) {
	if id != "" {
		return signal.Identity("zabbix", "event", id)
	}
	if trigger != "" {
		return signal.Identity("zabbix", "trigger", trigger)
	}
	return "", Errorf("zabbix webhook has neither id ({EVENT.ID}) nor triggerId")
}

// zbxValue is a parameter value with unexpanded macros treated as absent.
func zbxValue(v string) string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "{") && strings.HasSuffix(v, "}") && !strings.Contains(v, "\"") {
		return ""
	}
	if strings.Contains(v, "{EVENT.") || strings.Contains(v, "{$") {
		return ""
	}
	return v
}

func zbxAcknowledged(m zbxMessage) bool {
	return lower(zbxValue(m.EventAck)) == "yes" ||
		strings.Contains(lower(zbxValue(m.UpdateAction)), "acknowledged") &&
			!strings.Contains(lower(m.UpdateAction), "unacknowledged")
}

// zbxTags reads {EVENT.TAGSJSON}: a JSON array of {tag, value}, sent either as an array
// or as a string holding one. Tags that do not decode are ignored: they are decoration.
func zbxTags(raw json.RawMessage) map[string]string {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
	}
	var tags []struct {
		Tag   string `json:"tag"`
		Value string `json:"value"`
	}
	if json.Unmarshal(raw, &tags) != nil {
		return nil
	}
	var labels map[string]string
	for _, t := range tags {
		labels = putLabel(labels, t.Tag, firstNonEmpty(t.Value, "true"))
	}
	return labels
}

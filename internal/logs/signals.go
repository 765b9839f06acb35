package logs

import (
	"fmt"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// newSignal builds a firing logpattern signal for a template.
func (m *Miner) newSignal(s *service, t *Template, text, reason string, sev signal.Severity,
	at time.Time) signal.Signal {
	// Identity never fails here: the service name is never empty.
	fp, _ := signal.Identity("logs", s.name, t.ID, reason)
	if sev == "" {
		sev = signal.SeverityInfo
	}
	m.met.signals.WithLabelValues(reason).Inc()
	return signal.Signal{
		Kind: signal.KindLogPattern, Source: "logs", NativeID: t.ID, Fingerprint: fp,
		Name: text, Service: s.name, Summary: summary(s.name, text, reason),
		Severity: sev, Status: signal.StatusFiring, StartsAt: at, EventTime: at,
		ReceivedAt: m.now(),
		Labels: map[string]string{
			"template": text, "template_id": t.ID, "reason": reason, "service": s.name,
		},
		Annotations: map[string]string{
			"count":      fmt.Sprint(t.Count),
			"first_seen": t.FirstSeen.UTC().Format(time.RFC3339Nano),
			"examples":   strings.Join(t.Examples, "\n"),
		},
	}
}

func summary(service, text, reason string) string {
	switch reason {
	case ReasonNewTemplate:
		return fmt.Sprintf("A log message never seen before appeared in %s: %s", service, text)
	case ReasonAfterDeploy:
		return fmt.Sprintf("An error log message appeared in %s right after a deploy: %s",
			service, text)
	}
	return fmt.Sprintf("Log template of %s changed rate: %s", service, text)
}

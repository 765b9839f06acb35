package diagnose

import (
	"fmt"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// The built-in reasoner: plain-language templates. An LLM reasoner, when configured,
// rewrites these; the ranking never depends on it.

func explainChange(c signal.Signal, lead time.Duration, onSvc, root bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s had a %s (%s)", c.Service, c.Change.Type, changeDetail(c))
	if lead >= 0 {
		fmt.Fprintf(&b, " %s before its first symptom", roundDur(lead))
	} else {
		fmt.Fprintf(&b, " %s after its first symptom", roundDur(-lead))
	}
	switch {
	case onSvc && root:
		b.WriteString("; it is also where the failure starts in the service graph")
	case onSvc:
		b.WriteString("; the changed service is itself affected")
	default:
		b.WriteString("; an affected service depends on it")
	}
	b.WriteString(". Roll it back first.")
	return b.String()
}

func changeDetail(c signal.Signal) string {
	ch := c.Change
	parts := []string{}
	switch {
	case ch.PreviousVersion != "" && ch.Version != "":
		parts = append(parts, ch.PreviousVersion+" -> "+ch.Version)
	case ch.Version != "":
		parts = append(parts, "version "+ch.Version)
	}
	if ch.Commit != "" {
		parts = append(parts, "commit "+short(ch.Commit))
	}
	if ch.Author != "" {
		parts = append(parts, "by "+ch.Author)
	}
	if len(parts) == 0 {
		return c.Name
	}
	return strings.Join(parts, ", ")
}

func explainUpstream(root string, deps int, earliest bool, onsets []onset) string {
	if len(onsets) == 1 {
		// One affected service: there is no order along the graph to speak of.
		return fmt.Sprintf("%s is the only affected service; its first symptom is %s.",
			root, onsets[0].member.Name)
	}
	var b strings.Builder
	switch {
	case deps == 0:
		// Chosen by onset alone (rootService breaks ties by onset): no affected service
		// calls it, so no dependency is claimed.
		fmt.Fprintf(&b, "%s showed the first symptom; no other affected service calls it "+
			"in the service graph", root)
	case earliest:
		fmt.Fprintf(&b, "%s is the deepest affected dependency: %d other affected "+
			"service(s) call it, and its symptoms started first", root, deps)
	default:
		fmt.Fprintf(&b, "%s is the deepest affected dependency: %d other affected "+
			"service(s) call it", root, deps)
	}
	names := make([]string, len(onsets))
	for i, o := range onsets {
		names[i] = o.service
	}
	fmt.Fprintf(&b, " (onset order: %s).", strings.Join(names, ", "))
	return b.String()
}

func explainAnomaly(m signal.Member) string {
	return fmt.Sprintf("%s shows the strongest anomaly: %s (score %.2f).", m.Service, m.Name,
		m.Score)
}

func explainSymptom(m signal.Member) string {
	return fmt.Sprintf("No signal here names a service (a service, app or job label), so "+
		"deploys and dependencies cannot be weighed. The first symptom is %s %s from %s: "+
		"start there, and label its rule with the service it is about.", m.Kind, m.Name,
		m.Source)
}

func roundDur(d time.Duration) string {
	if d < time.Minute {
		return d.Round(time.Second).String()
	}
	return d.Round(time.Minute).String()
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

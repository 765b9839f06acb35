package diagnose

import (
	"math"
	"slices"
	"sort"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
	"github.com/cerebro-aiops/cerebro/internal/topology"
)

// Scoring weights. A change shortly before onset on an involved service is the strongest
// evidence SREs act on, so a fresh deploy outranks onset order, which outranks raw anomaly
// strength. changeDecay is how fast a change's weight falls with its lead time.
const (
	changeBase   = 0.55
	changeFresh  = 0.30
	changeOnSvc  = 0.10
	changeOnRoot = 0.04
	changeDecay  = 10 * time.Minute
	// changeLate is how long after its service's onset a change may land and still be a
	// suspect: clocks drift, and CI often reports a deploy a little after it went live.
	changeLate = time.Minute
)

// onset is when a service first showed a symptom in the incident, and the member that
// showed it.
type onset struct {
	service string
	at      time.Time
	member  signal.Member
}

// Rank scores the hypotheses for an incident and returns them best first, numbered.
func Rank(g *topology.Graph, in *signal.Incident, changes []signal.Signal) []signal.Hypothesis {
	onsets := serviceOnsets(in.Members)
	root := ""
	if len(onsets) > 0 {
		root = rootService(g, onsets)
	}

	var hyps []signal.Hypothesis
	hyps = append(hyps, changeHypotheses(in, onsets, root, changes)...)
	if h, ok := upstreamHypothesis(g, onsets, root); ok {
		hyps = append(hyps, h)
	}
	if h, ok := anomalyHypothesis(in.Members); ok {
		hyps = append(hyps, h)
	}
	if h, ok := symptomHypothesis(in.Members, onsets); ok {
		hyps = append(hyps, h)
	}

	sort.SliceStable(hyps, func(i, j int) bool { return hyps[i].Score > hyps[j].Score })
	for i := range hyps {
		hyps[i].Rank = i + 1
		hyps[i].Score = math.Round(hyps[i].Score*1000) / 1000
	}
	return hyps
}

// serviceOnsets lists each service's earliest member, earliest first.
func serviceOnsets(members []signal.Member) []onset {
	first := map[string]onset{}
	for _, m := range members {
		if m.Service == "" {
			continue
		}
		o, ok := first[m.Service]
		if !ok || m.StartsAt.Before(o.at) {
			first[m.Service] = onset{service: m.Service, at: m.StartsAt, member: m}
		}
	}
	out := make([]onset, 0, len(first))
	for _, o := range first {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].at.Equal(out[j].at) {
			return out[i].at.Before(out[j].at)
		}
		return out[i].service < out[j].service
	})
	return out
}

// rootService picks the likely origin by onset order along the graph: the service that
// the most other affected services depend on, ties going to the earliest onset. Failures
// travel from a dependency to its callers, so the deepest affected dependency is the
// first place to look.
func rootService(g *topology.Graph, onsets []onset) string {
	best, bestDeps := onsets[0].service, -1
	for _, o := range onsets {
		deps := dependents(g, o.service, onsets)
		if deps > bestDeps {
			best, bestDeps = o.service, deps
		}
	}
	return best
}

func dependents(g *topology.Graph, svc string, onsets []onset) int {
	n := 0
	for _, o := range onsets {
		if o.service != svc && g.DependsOn(o.service, svc) {
			n++
		}
	}
	return n
}

func changeHypotheses(in *signal.Incident, onsets []onset, root string,
	changes []signal.Signal) []signal.Hypothesis {
	best := map[string]signal.Hypothesis{}
	for _, c := range changes {
		if c.Change == nil || c.Change.Type == "rollback" {
			continue
		}
		start := in.FirstSignalAt
		for _, o := range onsets {
			if o.service == c.Service {
				start = o.at
			}
		}
		lead := start.Sub(c.EventTime)
		if lead < -changeLate {
			continue
		}
		score := changeBase + changeFresh*math.Exp(-math.Max(lead.Seconds(), 0)/
			changeDecay.Seconds())
		onSvc := slices.Contains(in.Services, c.Service)
		if onSvc {
			score += changeOnSvc
		}
		if c.Service == root {
			score += changeOnRoot
		}
		h := signal.Hypothesis{Service: c.Service, Kind: "change", Score: math.Min(score, 0.99),
			Explanation: explainChange(c, lead, onSvc, c.Service == root),
			Evidence:    changeEvidence(c, onsets)}
		if prev, ok := best[c.Service]; !ok || h.Score > prev.Score {
			best[c.Service] = h
		}
	}
	out := make([]signal.Hypothesis, 0, len(best))
	for _, h := range best {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Service < out[j].Service })
	return out
}

func changeEvidence(c signal.Signal, onsets []onset) []signal.Evidence {
	ev := []signal.Evidence{{SignalID: c.ID, Kind: c.Kind, Name: c.Name, Service: c.Service,
		At: c.EventTime, Detail: changeDetail(c)}}
	for _, o := range onsets {
		if o.service == c.Service {
			ev = append(ev, memberEvidence(o.member, "first symptom on the changed service"))
		}
	}
	return ev
}

func upstreamHypothesis(g *topology.Graph, onsets []onset, root string) (
	signal.Hypothesis, bool) {
	if len(onsets) == 0 {
		return signal.Hypothesis{}, false
	}
	deps := dependents(g, root, onsets)
	earliest := onsets[0].service == root
	score := 0.30
	if len(onsets) > 1 {
		score += 0.25 * float64(deps) / float64(len(onsets)-1)
	}
	if earliest {
		score += 0.15
	}
	var ev []signal.Evidence
	for _, o := range onsets {
		ev = append(ev, memberEvidence(o.member, "first symptom on "+o.service))
	}
	return signal.Hypothesis{Service: root, Kind: "upstream", Score: score,
		Explanation: explainUpstream(root, deps, earliest, onsets), Evidence: ev}, true
}

func anomalyHypothesis(members []signal.Member) (signal.Hypothesis, bool) {
	var best *signal.Member
	for i := range members {
		m := &members[i]
		if m.Service == "" || m.Score <= 0 {
			continue
		}
		if best == nil || m.Score > best.Score {
			best = m
		}
	}
	if best == nil {
		return signal.Hypothesis{}, false
	}
	return signal.Hypothesis{Service: best.Service, Kind: "anomaly",
		Score:       0.15 + 0.35*math.Min(best.Score, 1),
		Explanation: explainAnomaly(*best),
		Evidence:    []signal.Evidence{memberEvidence(*best, "strongest anomaly")}}, true
}

// symptomScore is low: with no service named, nothing ties the incident to a deploy or a
// dependency, and the first symptom is only where to start looking.
const symptomScore = 0.2

// symptomHypothesis points at the incident's first member when no member names a service,
// as with a Grafana test alert or a rule without service, app or job labels. Without it such
// an incident had no hypothesis at all, and its responder no starting point.
func symptomHypothesis(members []signal.Member, onsets []onset) (signal.Hypothesis, bool) {
	if len(onsets) > 0 || len(members) == 0 {
		return signal.Hypothesis{}, false
	}
	first := members[0]
	for _, m := range members[1:] {
		if m.StartsAt.Before(first.StartsAt) ||
			m.StartsAt.Equal(first.StartsAt) && m.Fingerprint < first.Fingerprint {
			first = m
		}
	}
	return signal.Hypothesis{Kind: "symptom", Score: symptomScore,
		Explanation: explainSymptom(first),
		Evidence:    []signal.Evidence{memberEvidence(first, "first symptom")}}, true
}

// memberEvidence cites the member's first signal: its latest may be a resolve or an
// acknowledge that carries only the identity, and it is not what showed the symptom.
func memberEvidence(m signal.Member, why string) signal.Evidence {
	id := m.FirstSignalID
	if id == 0 {
		id = m.SignalID // a member built in memory, not read from the store
	}
	return signal.Evidence{SignalID: id, Kind: m.Kind, Name: m.Name,
		Service: m.Service, At: m.StartsAt, Detail: why}
}

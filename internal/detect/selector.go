package detect

import (
	"fmt"
	"strings"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Selector is a parsed Prometheus series selector: `metric`, `{a="b"}` or
// `metric{a="b", c=~"x.*", d!="e", f!~"g"}`, read by Prometheus's own parser, so that a
// selector means here what it means in PromQL (anchored regular expressions, quoting,
// escapes) and anything PromQL refuses is refused: a hand-written parser took `not a
// selector(((` for a metric name.
type Selector struct {
	matchers []*labels.Matcher
}

// promql is Prometheus's parser, built once.
var promql = parser.NewParser(parser.Options{})

// ParseSelector parses a series selector.
func ParseSelector(s string) (*Selector, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("parsing selector %q: empty", s)
	}
	ms, err := promql.ParseMetricSelector(s)
	if err != nil {
		return nil, fmt.Errorf("parsing selector %q: %w", s, err)
	}
	return &Selector{matchers: ms}, nil
}

// Matches reports whether a label set satisfies every matcher. A missing label has the
// empty value, as in Prometheus.
func (s *Selector) Matches(ls []signal.Label) bool {
	for _, m := range s.matchers {
		if !m.Matches(signal.LabelValue(ls, m.Name)) {
			return false
		}
	}
	return true
}

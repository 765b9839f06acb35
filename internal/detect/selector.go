package detect

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Selector is a parsed Prometheus series selector.
type Selector struct {
	matchers []matcher
}

type matchOp int

const (
	opEq matchOp = iota
	opNe
	opRe
	opNre
)

type matcher struct {
	name  string
	op    matchOp
	value string
	re    *regexp.Regexp
}

var errSelector = errors.New("invalid selector")

// ParseSelector parses `metric`, `{a="b"}` or `metric{a="b", c=~"x.*", d!="e", f!~"g"}`.
// Regular expressions are anchored, as in Prometheus.
func ParseSelector(s string) (*Selector, error) {
	s = strings.TrimSpace(s)
	sel := &Selector{}
	name, rest, hasBraces := strings.Cut(s, "{")
	if name = strings.TrimSpace(name); name != "" {
		sel.matchers = append(sel.matchers, matcher{name: "__name__", op: opEq, value: name})
	}
	if !hasBraces {
		if name == "" {
			return nil, fmt.Errorf("parsing selector %q: %w: empty", s, errSelector)
		}
		return sel, nil
	}
	body, ok := strings.CutSuffix(strings.TrimSpace(rest), "}")
	if !ok {
		return nil, fmt.Errorf("parsing selector %q: %w: missing }", s, errSelector)
	}
	for body = strings.TrimSpace(body); body != ""; {
		m, tail, err := parseMatcher(body)
		if err != nil {
			return nil, fmt.Errorf("parsing selector %q: %w", s, err)
		}
		sel.matchers = append(sel.matchers, m)
		body = strings.TrimPrefix(strings.TrimSpace(tail), ",")
		body = strings.TrimSpace(body)
	}
	return sel, nil
}

// parseMatcher reads one `name op "value"` from the front of s.
func parseMatcher(s string) (matcher, string, error) {
	i := strings.IndexAny(s, "=!")
	if i <= 0 {
		return matcher{}, "", fmt.Errorf("%w: no operator in %q", errSelector, s)
	}
	m := matcher{name: strings.TrimSpace(s[:i])}
	ops := []struct {
		tok string
		op  matchOp
	}{{"=~", opRe}, {"!~", opNre}, {"!=", opNe}, {"=", opEq}}
	rest := ""
	for _, o := range ops {
		if strings.HasPrefix(s[i:], o.tok) {
			m.op, rest = o.op, strings.TrimSpace(s[i+len(o.tok):])
			break
		}
	}
	if !strings.HasPrefix(rest, `"`) {
		return matcher{}, "", fmt.Errorf("%w: value of %q is not quoted", errSelector, m.name)
	}
	end := strings.Index(rest[1:], `"`)
	if end < 0 {
		return matcher{}, "", fmt.Errorf("%w: unterminated value of %q", errSelector, m.name)
	}
	m.value = rest[1 : 1+end]
	if m.op == opRe || m.op == opNre {
		re, err := regexp.Compile("^(?:" + m.value + ")$")
		if err != nil {
			return matcher{}, "", fmt.Errorf("compiling regexp of %q: %w", m.name, err)
		}
		m.re = re
	}
	return m, rest[2+end:], nil
}

// Matches reports whether a label set satisfies every matcher.
func (s *Selector) Matches(ls []signal.Label) bool {
	for _, m := range s.matchers {
		v := signal.LabelValue(ls, m.name)
		var ok bool
		switch m.op {
		case opEq:
			ok = v == m.value
		case opNe:
			ok = v != m.value
		case opRe:
			ok = m.re.MatchString(v)
		case opNre:
			ok = !m.re.MatchString(v)
		}
		if !ok {
			return false
		}
	}
	return true
}

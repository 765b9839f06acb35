package logs

// Lines of one event can have different word counts when a variable spans a varying number
// of words: "0 bytes sent" and "1190 bytes (1.16 KB) sent", or a list of names. The
// position-wise match only compares lines of equal length, so such an event would split
// into one template per length. When it finds nothing, the parser aligns the line with the
// templates of any length filed under the same first word, by the longest common
// subsequence of constant words, and merges it into a close enough one: each stretch
// between shared words that differs in length becomes one variable.

// alignSimilarity is the least Dice share of constant words a line and a template of
// another length must have in common, in order, to be merged. It is stricter than the
// position-wise threshold because an alignment can always find some common words.
const alignSimilarity = 0.8

// alignMinWords is the least number of shared constant words for a merge across lengths:
// with fewer, "visible is X" and "visible is X gt Y" would read as one event.
const alignMinWords = 3

// maxFirstKeys bounds the first-word index across lengths; further first words are not
// indexed, and their templates are found only by the position-wise match.
const maxFirstKeys = 4096

// alignMatch returns the template of another length that the line aligns with best, or
// nil. Candidates are the most recent templates filed under the line's first word.
func (p *Parser) alignMatch(toks []string) *Template {
	if len(toks) == 0 {
		return nil
	}
	list := p.filed(p.byFirst, toks[0])
	cl := constants(toks)
	if cl < alignMinWords {
		return nil
	}
	var best *Template
	bestSim := 0.0
	for i := len(list) - 1; i >= 0 && i >= len(list)-maxScan; i-- {
		t := list[i]
		ct := constants(t.tokens)
		if ct < alignMinWords {
			continue
		}
		n := p.lcs(t.tokens, toks)
		sim := 2 * float64(n) / float64(ct+cl)
		if n >= alignMinWords && sim >= alignSimilarity && sim > bestSim &&
			spansVary(p.dp, t.tokens, toks) && !keysClash(p.dp, t.tokens, toks) {
			best, bestSim = t, sim
		}
	}
	return best
}

// constants counts the words that hold no variable.
func constants(toks []string) int {
	n := 0
	for _, w := range toks {
		if !hasWildcard(w) {
			n++
		}
	}
	return n
}

// anchor reports two words an alignment pins together: equal constants.
func anchor(a, b string) bool { return a == b && !hasWildcard(a) }

// lcs fills the parser's table with the longest common subsequence lengths of constant
// words of the suffixes of a and b, and returns the whole length.
func (p *Parser) lcs(a, b []string) int {
	w := len(b) + 1
	need := (len(a) + 1) * w
	if cap(p.dp) < need {
		p.dp = make([]int32, need)
	}
	dp := p.dp[:need]
	for j := range w {
		dp[len(a)*w+j] = 0
	}
	for i := len(a) - 1; i >= 0; i-- {
		dp[i*w+len(b)] = 0
		for j := len(b) - 1; j >= 0; j-- {
			switch {
			case anchor(a[i], b[j]):
				dp[i*w+j] = dp[(i+1)*w+j+1] + 1
			case dp[(i+1)*w+j] >= dp[i*w+j+1]:
				dp[i*w+j] = dp[(i+1)*w+j]
			default:
				dp[i*w+j] = dp[i*w+j+1]
			}
		}
	}
	return int(dp[0])
}

// mergeAligned rewrites t's words as the alignment of t with the line: shared constant
// words stay, stretches between them of equal length are generalized word by word, and a
// stretch of different length becomes one variable. Words seen at positions that survive
// are kept, so a choice of constants ("GET" / "POST") outlives the merge. The template is
// filed again under its new word count.
func (p *Parser) mergeAligned(t *Template, toks []string) {
	p.lcs(t.tokens, toks)
	m := merger{t: t, line: toks, masked: p.tok.masked}
	walk(p.dp, t.tokens, toks, m.word, m.span)
	p.remove(t)
	t.tokens, t.lenKey, t.vals, t.text = m.out, len(m.out), m.vals, ""
	p.file(t)
}

// spansVary reports whether every stretch between shared words whose lengths differ on
// the two sides looks like a variable of varying length: a variable on both sides, or
// only variables on one side and nothing on the other, once the words both hold are set
// aside. A constant word present on one side only ("rhost=<*>" / "rhost=<*>
// user=root") marks a different event.
func spansVary(dp []int32, a, b []string) bool {
	ok := true
	stretches(dp, a, b, func(si, i, sj, j int) {
		x, y := a[si:i], b[sj:j]
		if len(x) == len(y) {
			return
		}
		x, y = unshared(x, y)
		if len(x) > 0 && len(y) > 0 {
			ok = ok && constants(x) < len(x) && constants(y) < len(y)
			return
		}
		ok = ok && constants(x) == 0 && constants(y) == 0
	})
	return ok
}

// keysClash reports two words set against each other by the alignment that name
// different keys ("(uid=0)" and "LOGIN(uid=0)"), which the position-wise match rejects
// too (keyOf).
func keysClash(dp []int32, a, b []string) bool {
	clash := false
	walk(dp, a, b, func(i, j int) {
		ka, kb := keyOf(a[i]), keyOf(b[j])
		clash = clash || ka != "" && kb != "" && ka != kb
	}, func() {})
	return clash
}

// unshared returns the words of each stretch that the other does not hold (a word held
// twice on one side and once on the other is left once). Stretches are short; the
// quadratic look-up allocates only when both keep words.
func unshared(x, y []string) ([]string, []string) {
	used := make([]bool, len(y))
	var rx []string
	for _, w := range x {
		found := false
		for k, v := range y {
			if !used[k] && v == w {
				used[k], found = true, true
				break
			}
		}
		if !found {
			rx = append(rx, w)
		}
	}
	var ry []string
	for k, v := range y {
		if !used[k] {
			ry = append(ry, v)
		}
	}
	return rx, ry
}

// stretches calls fn with the bounds of each stretch between the shared words of the
// alignment in dp, including those before the first and after the last.
func stretches(dp []int32, a, b []string, fn func(si, i, sj, j int)) {
	w := len(b) + 1
	i, j, si, sj := 0, 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case anchor(a[i], b[j]) && dp[i*w+j] == dp[(i+1)*w+j+1]+1:
			fn(si, i, sj, j)
			i, j = i+1, j+1
			si, sj = i, j
		case dp[(i+1)*w+j] >= dp[i*w+j+1]:
			i++
		default:
			j++
		}
	}
	fn(si, len(a), sj, len(b))
}

// walk goes along the alignment that table dp (from lcs) describes, calling pair for each
// template word i set against line word j, and span where the stretches between two
// shared words differ in length. The shorter stretch's words pair with the other's first
// and last words ("GET" still meets "GET"); what is left over in between is the span.
func walk(dp []int32, a, b []string, pair func(i, j int), span func()) {
	stretches(dp, a, b, func(si, i, sj, j int) {
		n := min(i-si, j-sj)
		head := (n + 1) / 2
		for k := 0; k < head; k++ {
			pair(si+k, sj+k)
		}
		if i-si != j-sj {
			span()
		}
		for k := n - head; k > 0; k-- {
			pair(i-k, j-k)
		}
		if i < len(a) && j < len(b) {
			pair(i, j) // the shared word that ends the stretch
		}
	})
}

// merger builds the words and per-position values of a merged template.
type merger struct {
	t      *Template
	line   []string
	masked []bool
	out    []string
	vals   []posVals
}

// word carries template word i, generalized when line word j differs.
func (m *merger) word(i, j int) {
	w := m.t.tokens[i]
	var v posVals
	if m.t.vals != nil {
		v = m.t.vals[i]
	}
	if w != m.line[j] && !(holdsVar(w) && fits(w, m.line[j])) {
		if !isVar(w) {
			v.note(w, hasWildcard(w))
		}
		w = mergeWords(w, m.line[j])
	}
	if holdsVar(w) {
		v.note(m.line[j], m.masked[j])
	}
	m.out = append(m.out, w)
	m.vals = append(m.vals, v)
}

// span adds a variable that stands for words of varying count, unless one ends out.
func (m *merger) span() {
	if k := len(m.out); k > 0 && m.out[k-1] == Wildcard && m.vals[k-1].high {
		return
	}
	m.out = append(m.out, Wildcard)
	m.vals = append(m.vals, posVals{high: true})
}

// lineWords maps each template word to the line word set against it, or "" when none,
// for a line whose word count differs from the template's.
func (t *Template) lineWords(words []string) []string {
	var p Parser
	p.lcs(t.tokens, words)
	out := make([]string, len(t.tokens))
	walk(p.dp, t.tokens, words, func(i, j int) { out[i] = words[j] }, func() {})
	return out
}

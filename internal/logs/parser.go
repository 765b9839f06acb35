package logs

import (
	"encoding/binary"
	"encoding/hex"
	"hash/maphash"
	"slices"
	"strings"
)

// Template is one mined log template of a service.
type Template struct {
	// ID is stable for the template's life and across restarts: a hash of the masked
	// words of its first line.
	ID string
	// Count is the number of lines the template has taken.
	Count int64

	tokens []string
	text   string // rendered tokens; "" when stale
	idx    int    // position in Parser.all; -1 once evicted
	lenKey int
	first  string // the first-word key it is filed under
	akey   string // the first-word key of the index across lengths; "" when not indexed
	used   uint64 // Parser.seq at the last line, for eviction
	// vals holds, per generalized position, the distinct plain words seen there; a
	// position with a few distinct words keeps them as constants (see TextFor).
	vals []posVals

	state // signal bookkeeping, owned by the Miner
}

// Text renders the template: words joined by one space, runs of variables shown once.
func (t *Template) Text() string {
	if t.text == "" && len(t.tokens) > 0 {
		t.text = render(t.tokens)
	}
	return t.text
}

func render(tokens []string) string {
	var b strings.Builder
	prevVar := false
	for _, w := range tokens {
		startsVar := strings.HasPrefix(w, Wildcard)
		if prevVar && startsVar {
			// "<*> <*>x" reads as "<*>x": drop the bare variable written last.
			s := b.String()[:b.Len()-len(Wildcard)]
			b.Reset()
			b.WriteString(s)
		} else if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
		prevVar = w == Wildcard
	}
	return strings.TrimSpace(b.String())
}

// posVals are the distinct words seen at one variable position.
type posVals struct {
	words []string
	high  bool // more than maxPosVals words, or a masked one: a true variable
}

// maxPosVals is how many distinct plain words a position may show and still be read as a
// choice between constants ("VM Started" / "VM Stopped") rather than a variable.
var maxPosVals = 4

// note adds a word seen at the position. A masked word, too many words, or two numbered
// names of one thing ("CPU0", "CPU3") make the position a true variable.
func (v *posVals) note(w string, masked bool) {
	if v.high {
		return
	}
	if masked {
		v.high, v.words = true, nil
		return
	}
	for _, x := range v.words {
		if x == w {
			return
		}
		if numbered(x, w) {
			v.high, v.words = true, nil
			return
		}
	}
	if len(v.words) >= maxPosVals {
		v.high, v.words = true, nil
		return
	}
	v.words = append(v.words, strings.Clone(w))
}

// low reports whether position i is a choice between a few constants. A word after a noun
// that introduces a name ("for user cyrus") is a name however few have been seen.
func (t *Template) low(i int) bool {
	if i > 0 && namers[t.tokens[i-1]] {
		return false
	}
	return t.vals != nil && t.vals[i].words != nil && !t.vals[i].high
}

// namers are nouns whose next word names one of them: "session opened for user news",
// "non-ethernet device lo". A few user or device names at such a place are values of one
// event, not a choice between events as "VM Started" and "VM Stopped" are. Nouns that also
// head event words ("driver usbfs", "client SPP") are left out.
var namers = map[string]bool{
	"user": true, "User": true, "host": true, "Host": true, "device": true, "account": true,
}

// TextFor renders the template as it reads for one line's words (from Parser.Words):
// positions that only ever held a few plain words show the line's word.
// A line of another word count, taken by an alignment (align.go), is aligned again.
func (t *Template) TextFor(words []string) string {
	if t.vals == nil {
		return t.Text()
	}
	if len(words) != len(t.tokens) {
		words = t.lineWords(words)
	}
	toks := make([]string, len(t.tokens))
	for i, w := range t.tokens {
		if holdsVar(w) && t.low(i) && words[i] != "" {
			w = words[i]
		}
		toks[i] = w
	}
	return render(toks)
}

// bucket holds the templates of one word count, filed by first word.
type bucket struct {
	byFirst map[string][]*Template
	all     []*Template
}

// Parser mines templates from the messages of one service. It is not safe for
// concurrent use; Miner serializes access per service.
type Parser struct {
	tok          *tokenizer
	similarity   float64
	maxTemplates int
	maxLineBytes int

	seed    maphash.Seed
	buckets map[int]*bucket
	seen    map[uint64]*Template   // masked-sequence hash to template: the fast path
	byFirst map[string][]*Template // first word to templates of any length (align.go)
	dp      []int32                // alignment table, reused
	kbuf    []byte                 // first-word key, reused (numbered.go)
	all     []*Template
	seq     uint64
	rnd     uint64

	// Counters since creation, read by the Miner for its metrics.
	Evicted   int64
	Truncated int64
}

// maxChildren caps distinct first words per word count; more are filed under Wildcard, so
// a variable first word cannot grow the index without bound.
const maxChildren = 100

// otherFirstSimilarity is the least similarity at which a line joins a template filed under
// another constant first word: the rest of the line must agree closely, as in "RSDT (v001
// DELL PE BKC 0x1 MSFT 0x2) @ 0x3" and "MADT (v001 ...", but not "tickTime set to 2000" and
// "initLimit set to 10".
const otherFirstSimilarity = 0.8

// maxScan bounds each search list to its most recently filed templates, so that a
// stream of ever-new shapes costs a bounded amount per line.
const maxScan = 64

// NewParser builds a parser with the masking, similarity and caps of cfg for one service.
func NewParser(cfg Config, service string) (*Parser, error) {
	cfg.fill()
	masks, patterns := cfg.masksFor(service)
	mk, err := newMasker(masks, patterns)
	if err != nil {
		return nil, err
	}
	return &Parser{
		tok:          newTokenizer(mk, cfg.MaxWords),
		similarity:   cfg.Similarity,
		maxTemplates: cfg.MaxTemplatesPerService,
		maxLineBytes: cfg.MaxLineBytes,
		seed:         maphash.MakeSeed(),
		buckets:      make(map[int]*bucket),
		seen:         make(map[uint64]*Template),
		byFirst:      make(map[string][]*Template),
		rnd:          0x9e3779b97f4a7c15,
	}, nil
}

// Len returns the number of templates held.
func (p *Parser) Len() int { return len(p.all) }

// Templates returns the templates held, in no particular order. The slice is shared: do
// not keep it past the next Add.
func (p *Parser) Templates() []*Template { return p.all }

// Add mines one message and returns its template and whether the template is new.
func (p *Parser) Add(msg string) (*Template, bool) {
	if len(msg) > p.maxLineBytes {
		msg = msg[:p.maxLineBytes]
		p.Truncated++
	}
	toks := p.tok.tokens(msg)
	if p.tok.truncated > 0 {
		p.Truncated += int64(p.tok.truncated)
		p.tok.truncated = 0
	}
	p.seq++
	h := p.hash(toks)
	if t := p.seen[h]; t != nil && t.idx >= 0 {
		if len(t.tokens) == len(toks) {
			p.noteVals(t, toks)
		}
		t.Count++
		t.used = p.seq
		return t, false
	}

	t := p.match(toks)
	isNew := false
	switch {
	case t != nil:
		p.generalize(t, toks)
	default:
		if t = p.alignMatch(toks); t != nil {
			p.mergeAligned(t, toks)
		} else {
			t, isNew = p.create(toks), true
		}
	}
	if len(p.seen) >= 4*p.maxTemplates {
		clear(p.seen)
	}
	p.seen[h] = t
	t.Count++
	t.used = p.seq
	return t, isNew
}

func (p *Parser) hash(toks []string) uint64 {
	var h maphash.Hash
	h.SetSeed(p.seed)
	for _, w := range toks {
		h.WriteString(w)
		h.WriteByte(0)
	}
	return h.Sum64()
}

// match finds the most similar template of the same word count: first among those filed
// under the same first word (or Wildcard), then, when the line's first word is masked,
// bounded, among all of that count, so a variable first word does not split a template.
// A constant first word is a key, as in Drain's prefix tree: "tickTime set to 2000" and
// "initLimit set to 10" are different events, and judging them by their other words
// merged them into "<*> set to <*>", then pulled in "Snapshotting: 0x1 to /x" as well.
func (p *Parser) match(toks []string) *Template {
	b := p.buckets[len(toks)]
	if b == nil {
		return nil
	}
	first := ""
	if len(toks) > 0 {
		first = toks[0]
	}
	best, bestSim, bestPar := (*Template)(nil), -1.0, -1
	for _, list := range [][]*Template{p.filed(b.byFirst, first), b.byFirst[Wildcard]} {
		for i := len(list) - 1; i >= 0 && i >= len(list)-maxScan; i-- {
			best, bestSim, bestPar = p.better(list[i], toks, best, bestSim, bestPar)
		}
	}
	if best != nil && bestSim >= p.similarity {
		return p.unshifted(best, toks)
	}
	need := p.similarity
	if len(toks) > 0 && !p.tok.masked[0] {
		need = max(need, otherFirstSimilarity)
	}
	n := 0
	for i := len(b.all) - 1; i >= 0 && n < maxScan; i-- {
		n++
		best, bestSim, bestPar = p.better(b.all[i], toks, best, bestSim, bestPar)
	}
	if best != nil && bestSim >= need {
		return p.unshifted(best, toks)
	}
	return nil
}

// unshifted returns t unless the line shares more constant words with it in order than
// at the same places: then a variable of varying length has shifted the words ("bytes
// sent, 9 bytes (1 KB) received" against "bytes (1 KB) sent, 9 bytes received"), and
// merging word by word would turn the shared words into variables. Such a line is left
// to the alignment.
func (p *Parser) unshifted(t *Template, toks []string) *Template {
	same := 0
	for i, w := range t.tokens {
		if anchor(w, toks[i]) {
			same++
		}
	}
	if same == constants(t.tokens) || p.lcs(t.tokens, toks) == same {
		return t
	}
	return nil
}

func (p *Parser) better(t *Template, toks []string, best *Template, bestSim float64,
	bestPar int) (*Template, float64, int) {
	sim, par := p.similar(t.tokens, toks)
	if sim > bestSim || (sim == bestSim && par > bestPar) {
		return t, sim, par
	}
	return best, bestSim, bestPar
}

// similar is the share of the line's constant words that the template has at the same
// place, and the template's variable count for tie-breaks. Words that are variables on
// either side carry no evidence either way, except that unequal masked shapes count as a
// difference; so do two numbered names ("eth0", "eth1": numbered.go).
func (p *Parser) similar(tpl, toks []string) (float64, int) {
	eq, n, par := 0, 0, 0
	masked := p.tok.masked
	for i, tw := range tpl {
		if isVar(tw) {
			par++
			continue
		}
		lw := toks[i]
		if tw == lw {
			if !masked[i] {
				eq++
				n++
			}
			continue
		}
		if kt, kl := keyOf(tw), keyOf(lw); kt != "" && kl != "" && kt != kl {
			return 0, par
		}
		if !numbered(tw, lw) {
			n++
		}
	}
	if n == 0 {
		return 1, par
	}
	return float64(eq) / float64(n), par
}

// generalize turns the template's words that differ from the line into variables, and
// notes the words seen at variable positions. Punctuation both words share around the
// difference stays: "[10.0.0.1]" and "[host-a]" read "[<*>]", "ntp1," and "10.0.0.2,"
// read "<*>,", as hand-written templates do.
func (p *Parser) generalize(t *Template, toks []string) {
	for i, w := range t.tokens {
		if w == toks[i] || holdsVar(w) && fits(w, toks[i]) {
			continue
		}
		if t.vals == nil {
			t.vals = make([]posVals, len(t.tokens))
		}
		if !isVar(w) {
			t.vals[i].note(w, hasWildcard(w))
		}
		t.tokens[i] = mergeWords(w, toks[i])
		t.text = ""
	}
	p.noteVals(t, toks)
}

func (p *Parser) noteVals(t *Template, toks []string) {
	if t.vals == nil {
		return
	}
	for i := range t.vals {
		if holdsVar(t.tokens[i]) {
			t.vals[i].note(toks[i], p.tok.masked[i])
		}
	}
}

func hasWildcard(w string) bool { return strings.Contains(w, Wildcard) }

// Words returns a copy of the masked words of the last message added.
func (p *Parser) Words() []string { return slices.Clone(p.tok.words) }

func (p *Parser) create(toks []string) *Template {
	if len(p.all) >= p.maxTemplates {
		p.evict()
	}
	t := &Template{tokens: make([]string, len(toks)), idx: len(p.all), lenKey: len(toks)}
	for i, w := range toks {
		t.tokens[i] = strings.Clone(w)
	}
	t.ID = templateID(p.hashStable(t.tokens))
	p.file(t)
	return t
}

// file adds t to the index.
func (p *Parser) file(t *Template) {
	t.idx = len(p.all)
	p.all = append(p.all, t)
	b := p.buckets[t.lenKey]
	if b == nil {
		b = &bucket{byFirst: make(map[string][]*Template)}
		p.buckets[t.lenKey] = b
	}
	if t.first == "" && len(t.tokens) > 0 {
		t.first = p.fileKey(t.tokens[0])
		if _, ok := b.byFirst[t.first]; !ok && len(b.byFirst) >= maxChildren {
			t.first = Wildcard
		}
	}
	b.byFirst[t.first] = append(b.byFirst[t.first], t)
	b.all = append(b.all, t)

	if t.akey == "" && len(t.tokens) > 0 {
		k := p.fileKey(t.tokens[0])
		if _, ok := p.byFirst[k]; ok || len(p.byFirst) < maxFirstKeys {
			t.akey = k
		}
	}
	if t.akey != "" {
		p.byFirst[t.akey] = append(p.byFirst[t.akey], t)
	}
}

// evict drops the least recently used of a few sampled templates: an approximate LRU
// that costs O(1) per eviction.
func (p *Parser) evict() {
	var victim *Template
	for range 8 {
		p.rnd ^= p.rnd << 13
		p.rnd ^= p.rnd >> 7
		p.rnd ^= p.rnd << 17
		t := p.all[p.rnd%uint64(len(p.all))]
		if victim == nil || t.used < victim.used {
			victim = t
		}
	}
	p.remove(victim)
	p.Evicted++
}

func (p *Parser) remove(t *Template) {
	last := p.all[len(p.all)-1]
	p.all[t.idx] = last
	last.idx = t.idx
	p.all = p.all[:len(p.all)-1]
	t.idx = -1

	b := p.buckets[t.lenKey]
	b.all = without(b.all, t)
	b.byFirst[t.first] = without(b.byFirst[t.first], t)
	if len(b.byFirst[t.first]) == 0 {
		delete(b.byFirst, t.first)
	}
	if t.akey != "" {
		p.byFirst[t.akey] = without(p.byFirst[t.akey], t)
		if len(p.byFirst[t.akey]) == 0 {
			delete(p.byFirst, t.akey)
		}
	}
}

func without(list []*Template, t *Template) []*Template {
	for i, x := range list {
		if x == t {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// hashStable hashes words with a fixed function, so IDs survive restarts.
func (p *Parser) hashStable(toks []string) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, w := range toks {
		for i := 0; i < len(w); i++ {
			h = (h ^ uint64(w[i])) * prime
		}
		h = (h ^ 0xff) * prime
	}
	return h
}

func templateID(h uint64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h)
	return hex.EncodeToString(b[:])
}

// keyOf returns the name in a "name=value" or "name:value" word ("uid" of "uid=0"), or in
// a masked "name.<*>" or dot leader "name....<*>", or "" when the word has none. Two such
// words naming different things ("num=20,flags=62" and "topActivity=X", "dcbf....<*>" and
// "icbi....<*>") are never one event's variable, however alike the rest of the line.
func keyOf(w string) string {
	k := 0
	for k < len(w) && w[k] != '=' && w[k] != ':' {
		k++ // not strings.IndexAny: it builds a set per call, and this runs per word pair
	}
	if k == 0 || k >= len(w)-1 || !isLetter(w[k-1]) {
		return dottedKey(w)
	}
	for i := 0; i < k; i++ {
		if isDigit(w[i]) {
			return "" // a location such as "R02-M1-N0-C:J12-U11", not a name
		}
	}
	return w[:k]
}

// dottedKey returns "name." of a word "name.<*>", or "name...." with all its dots of a dot
// leader "name....<*>" (letters only), or "". The dots count: a leader pads its name to a
// column, so "instruction......" and "instruction..." are two names.
func dottedKey(w string) string {
	if !strings.HasSuffix(w, Wildcard) {
		return ""
	}
	k := strings.IndexByte(w, '.')
	if k <= 0 {
		return ""
	}
	for i := 0; i < k; i++ {
		if !isLetter(w[i]) {
			return ""
		}
	}
	for i := k; i < len(w)-len(Wildcard); i++ {
		if w[i] != '.' {
			return ""
		}
	}
	return w[:len(w)-len(Wildcard)]
}

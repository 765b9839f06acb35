package logs

// tokenizer turns one message into the masked word sequence that templates are made of.
// It reuses its buffers between calls and is not safe for concurrent use.
type tokenizer struct {
	mk       masker
	maxWords int
	buf      []byte
	intern   map[string]string
	words    []string
	// masked[i] says words[i] holds a Wildcard.
	masked []bool
	// truncated counts messages cut at maxWords since the owner last read it.
	truncated int
}

// maxInterned bounds the table of masked words; it is cleared when full.
const maxInterned = 1 << 16

func newTokenizer(mk masker, maxWords int) *tokenizer {
	return &tokenizer{mk: mk, maxWords: maxWords, intern: make(map[string]string)}
}

func isSpace(c byte) bool { return spaces[c] }

// spaces is the table behind isSpace, which is tested on every byte of every line.
var spaces = [256]bool{' ': true, '\t': true, '\n': true, '\r': true, '\v': true, '\f': true}

// tokens splits msg on ASCII white space and masks each word. Runs of variables are
// collapsed ("<*> <*>" and "<*> <*>:x" lose the first "<*>"), and a size unit after a
// variable joins it, so that a value spread over several words is one variable. The result
// is valid until the next call.
func (t *tokenizer) tokens(msg string) []string {
	t.words, t.masked = t.words[:0], t.masked[:0]
	for i := 0; i < len(msg); {
		for i < len(msg) && isSpace(msg[i]) {
			i++
		}
		j := i
		for j < len(msg) && !isSpace(msg[j]) {
			j++
		}
		if j > i {
			if len(t.words) >= t.maxWords {
				t.truncated++
				t.push(Wildcard, true)
				break
			}
			w, m := t.mask(msg[i:j])
			t.push(w, m)
		}
		i = j
	}
	return t.words
}

// mask returns the masked form of one word, interned so that equal masked words share
// memory and the common unmasked case allocates nothing.
func (t *tokenizer) mask(w string) (string, bool) {
	last := len(t.words) - 1
	if t.mk.flags&flagSizes != 0 && last >= 0 && valueOnly(t.words[last]) {
		if n := unitPrefix(w); n > 0 {
			// "(1.16 KB)" reads "(<*>)": the unit joins the value before it, whatever
			// punctuation wraps them.
			prev := t.words[last]
			t.words, t.masked = t.words[:last], t.masked[:last]
			t.buf = append(append(t.buf[:0], prev...), w[n:]...)
			return t.internBuf(), true
		}
	}
	b, changed := t.mk.word(w, t.buf[:0])
	t.buf = b
	if !changed {
		return w, false
	}
	return t.internBuf(), true
}

func (t *tokenizer) internBuf() string {
	if s, ok := t.intern[string(t.buf)]; ok {
		return s
	}
	if len(t.intern) >= maxInterned {
		clear(t.intern)
	}
	s := string(t.buf)
	t.intern[s] = s
	return s
}

// push appends a word, folding it into a preceding bare variable when it starts with one.
func (t *tokenizer) push(w string, masked bool) {
	last := len(t.words) - 1
	if last >= 0 && t.words[last] == Wildcard && len(w) >= len(Wildcard) &&
		w[:len(Wildcard)] == Wildcard {
		t.words[last] = w
		return
	}
	t.words = append(t.words, w)
	t.masked = append(t.masked, masked)
}

// valueOnly reports a word made of variables and delimiters only, such as "<*>", "(<*>"
// or "<*>:<*>".
func valueOnly(w string) bool {
	found := false
	for i := 0; i < len(w); {
		if len(w)-i >= len(Wildcard) && w[i:i+len(Wildcard)] == Wildcard {
			i += len(Wildcard)
			found = true
			continue
		}
		if !delimiter(w[i]) {
			return false
		}
		i++
	}
	return found
}

package logs

import "strings"

// A variable word may keep the punctuation around its value: "[<*>]", "<*>,", "(<*>)".
// Such a word is still a variable: it carries no evidence in the similarity, it keeps the
// values seen at its place, and a line's word fits it when it has the same punctuation.

// openers and closers are the punctuation kept before and after a variable.
const (
	openers = "([{\"'"
	closers = ")]}\"',;:."
)

// isVar reports a word that is a variable with, at most, punctuation around it.
func isVar(w string) bool {
	if w == Wildcard {
		return true
	}
	i := strings.Index(w, Wildcard)
	if i < 0 || strings.Contains(w[i+len(Wildcard):], Wildcard) {
		return false
	}
	return onlyOf(w[:i], openers) && onlyOf(w[i+len(Wildcard):], closers)
}

// holdsVar reports a variable word or a field whose value is one ("user=<*>"): a place
// whose values are noted, and which a line's word fits by its punctuation or field name.
func holdsVar(w string) bool {
	if isVar(w) {
		return true
	}
	k := fieldName(w)
	return k != "" && isVar(w[len(k):])
}

func onlyOf(s, set string) bool {
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(set, s[i]) < 0 {
			return false
		}
	}
	return true
}

// fits reports whether word w of a line is a value of the variable word v: it has v's
// punctuation around something.
func fits(v, w string) bool {
	i := strings.Index(v, Wildcard)
	pre, post := v[:i], v[i+len(Wildcard):]
	return len(w) > len(pre)+len(post) && strings.HasPrefix(w, pre) &&
		strings.HasSuffix(w, post)
}

// mergeWords returns the variable that covers two different words: Wildcard, with the
// opening punctuation both start with and the closing punctuation both end with, after
// the field name both start with ("rhost=").
func mergeWords(a, b string) string {
	if k := fieldName(a); k != "" && k == fieldName(b) {
		// "rhost=" and "rhost=10.0.0.1" read "rhost=<*>": the field stays, so that the
		// template still tells the field from a word only some lines have.
		return k + mergeWords(a[len(k):], b[len(k):])
	}
	pa, sa := wrapping(a)
	pb, sb := wrapping(b)
	pre := commonPrefix(pa, pb)
	post := commonSuffix(sa, sb)
	if pre == "" && post == "" {
		return Wildcard
	}
	return pre + Wildcard + post
}

// wrapping returns the opening and closing punctuation of w, leaving at least one
// character between them; a variable's own wrapping is what surrounds its Wildcard.
func wrapping(w string) (string, string) {
	if i := strings.Index(w, Wildcard); i >= 0 && isVar(w) {
		return w[:i], w[i+len(Wildcard):]
	}
	i := 0
	for i < len(w)-1 && strings.IndexByte(openers, w[i]) >= 0 {
		i++
	}
	j := len(w)
	for j > i+1 && strings.IndexByte(closers, w[j-1]) >= 0 {
		j--
	}
	if hasWildcard(w) {
		// a masked word such as "<*>:<*>": its own punctuation is not a wrapping
		return "", ""
	}
	return w[:i], w[j:]
}

// fieldName returns "name=" of a word "name=value" or "name=" (letters before the "="),
// or "".
func fieldName(w string) string {
	k := strings.IndexByte(w, '=')
	if k <= 0 || !isLetter(w[k-1]) {
		return ""
	}
	return w[:k+1]
}

func commonPrefix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return a[:n]
}

func commonSuffix(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return a[len(a)-n:]
}

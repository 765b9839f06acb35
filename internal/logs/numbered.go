package logs

// Words of letters and digits such as "eth1", "CPU3" or "bglio617" are kept as they are
// (mask.go): a lone one names a thing. Two of them that differ only in their digits are
// numbered instances of one thing, though, so where they meet the digits are the variable:
// "allocating divert_blk for eth0" and "... for eth1" are one event, while "HTTPS" and
// "SOCKS5" stay a choice of constants.

// numbered reports two different words that are equal once each run of digits is read as
// one digit: "eth0" and "eth1", "[CPU3]" and "[CPU0]", "bglio78" and "bglio617".
func numbered(a, b string) bool {
	if a == b {
		return false
	}
	i, j, digits := 0, 0, false
	for i < len(a) && j < len(b) {
		if isDigit(a[i]) && isDigit(b[j]) {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
			digits = true
			continue
		}
		if a[i] != b[j] {
			return false
		}
		i, j = i+1, j+1
	}
	return digits && i == len(a) && j == len(b)
}

// firstKey returns the key a template is filed under for its first word: the word with
// each run of digits read as "0", so that "IRQ2 used by override." and "IRQ9 used by
// override." are compared at all. buf is reused; the key is valid until its next use.
func firstKey(w string, buf []byte) ([]byte, bool) {
	k := 0
	for k < len(w) && !isDigit(w[k]) {
		k++
	}
	if k == len(w) {
		return buf, false
	}
	buf = append(buf[:0], w[:k]...)
	for i := k; i < len(w); i++ {
		if !isDigit(w[i]) {
			buf = append(buf, w[i])
		} else if len(buf) == 0 || !isDigit(buf[len(buf)-1]) {
			buf = append(buf, '0')
		}
	}
	return buf, true
}

// filed returns the templates filed in m under the key of first word w, without
// allocating.
func (p *Parser) filed(m map[string][]*Template, w string) []*Template {
	if kb, ok := firstKey(w, p.kbuf); ok {
		p.kbuf = kb
		return m[string(kb)]
	}
	return m[w]
}

// fileKey returns the key of first word w as a string to keep.
func (p *Parser) fileKey(w string) string {
	if kb, ok := firstKey(w, p.kbuf); ok {
		p.kbuf = kb
		return string(kb)
	}
	return w
}

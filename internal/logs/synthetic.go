package logs

import "strconv"

// Synthetic returns line i of a synthetic stream with the given number of distinct
// templates: line i belongs to template i mod distinct, whose five leading words are
// letters-only names of that number (so no mask merges them), followed by variables. It
// drives the memory benchmark; the lines are not meant to look real.
func Synthetic(i, distinct int) string {
	k := i % distinct
	name := letters(k)
	b := make([]byte, 0, 96)
	b = append(b, "op"...)
	b = append(b, name...)
	b = append(b, " stage"...)
	b = append(b, name...)
	b = append(b, " part"...)
	b = append(b, name...)
	b = append(b, " unit"...)
	b = append(b, name...)
	b = append(b, " step"...)
	b = append(b, name...)
	b = append(b, " failed after "...)
	b = strconv.AppendInt(b, int64(i%997), 10)
	b = append(b, " ms"...)
	return string(b)
}

// letters spells k in base 26 with lower-case letters.
func letters(k int) string {
	var b [8]byte
	n := len(b)
	for {
		n--
		b[n] = byte('a' + k%26)
		k /= 26
		if k == 0 {
			break
		}
	}
	return string(b[n:])
}

package detect

import (
	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// A series key is the identity of a label set that the engine keeps with the state: every
// name and value in order, each behind its length as a uvarint. Lengths rather than
// separators keep it unambiguous whatever bytes the labels hold, and one string per series
// costs one small allocation, not one per label.

// appendKey appends the key of ls to b.
func appendKey(b []byte, ls []signal.Label) []byte {
	for _, l := range ls {
		b = appendField(b, l.Name)
		b = appendField(b, l.Value)
	}
	return b
}

func appendField(b []byte, s string) []byte {
	n := uint64(len(s))
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(append(b, byte(n)), s...)
}

// keyOf returns the key of ls.
func keyOf(ls []signal.Label) string {
	n := 0
	for _, l := range ls {
		n += len(l.Name) + len(l.Value) + 2
	}
	return string(appendKey(make([]byte, 0, n), ls))
}

// keyMatches reports whether key is the key of ls, without building the key of ls. It
// runs on every sample, so the common field, under 128 bytes and so behind one length
// byte, is checked in line and only longer ones decode their length.
func keyMatches(key string, ls []signal.Label) bool {
	for i := range ls {
		for _, want := range [2]string{ls[i].Name, ls[i].Value} {
			var ok bool
			if key, ok = cutField(key, want); !ok {
				return false
			}
		}
	}
	return key == ""
}

// cutField reports whether key starts with the field want, and returns the rest. The
// common field, under 128 bytes and so behind one length byte, is compared in line.
func cutField(key, want string) (string, bool) {
	if n := len(want); n < 0x80 && n < len(key) && key[0] == byte(n) {
		return key[1+n:], key[1:1+n] == want
	}
	f, rest, ok := nextField(key)
	return rest, ok && f == want
}

// nextField splits the first field off key; ok is false if key does not start with a
// whole field.
func nextField(key string) (field, rest string, ok bool) {
	var n uint64
	for i, shift := 0, 0; i < len(key) && shift < 64; i, shift = i+1, shift+7 {
		c := key[i]
		n |= uint64(c&0x7f) << shift
		if c < 0x80 {
			if n > uint64(len(key)-i-1) {
				return "", "", false
			}
			return key[i+1 : i+1+int(n)], key[i+1+int(n):], true
		}
	}
	return "", "", false
}

// parseKey returns the labels of a key, or false if it is not one.
func parseKey(key string) ([]signal.Label, bool) { return splitKey(key, nextField) }

// splitKey returns the labels of a key whose names name splits off (spelled out, or
// numbered in a packed key) and whose values are fields, or false if it is not one.
func splitKey(key string, name func(string) (string, string, bool)) ([]signal.Label, bool) {
	var ls []signal.Label
	for key != "" {
		n, rest, ok := name(key)
		if !ok {
			return nil, false
		}
		value, rest, ok := nextField(rest)
		if !ok {
			return nil, false
		}
		ls = append(ls, signal.Label{Name: n, Value: value})
		key = rest
	}
	return ls, true
}

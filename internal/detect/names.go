package detect

import (
	"sync"
	"sync/atomic"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// maxNames bounds the dictionary: label names beyond it are stored in full in each key,
// so that a sender inventing names cannot grow it without end.
const maxNames = 4096

// nameDict is the engine's dictionary of label names. The keys the engine keeps (packed
// keys) name a label by its number in the dictionary instead of spelling it: a series has
// a handful of names that every series shares (__name__, job, instance, ...), and they
// took a third of a key's bytes. The snapshot keeps plain keys (see keyOf), so the
// numbering is free to differ from one process to the next.
//
// Packed key, per label: uvarint(n), where n is the name's number plus one, or 0 followed
// by the name as a field; then the value as a field (see appendField). Names are only
// ever added, so a key stays valid for good. Safe for concurrent use: lookups read a list
// that is replaced, never changed, when a name is added.
type nameDict struct {
	mu   sync.Mutex
	ids  map[string]uint64
	list atomic.Pointer[[]string]
}

func newNameDict() *nameDict {
	d := &nameDict{ids: map[string]uint64{}}
	d.list.Store(&[]string{})
	return d
}

// number returns the number of name plus one, adding it if there is room, or 0.
func (d *nameDict) number(name string) uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n, ok := d.ids[name]; ok {
		return n
	}
	old := *d.list.Load()
	if len(old) >= maxNames {
		return 0
	}
	list := append(old[:len(old):len(old)], name)
	d.list.Store(&list)
	d.ids[name] = uint64(len(list))
	return uint64(len(list))
}

// pack returns the packed key of ls.
func (d *nameDict) pack(ls []signal.Label) string {
	b := make([]byte, 0, 64)
	for _, l := range ls {
		n := d.number(l.Name)
		b = appendUvarint(b, n)
		if n == 0 {
			b = appendField(b, l.Name)
		}
		b = appendField(b, l.Value)
	}
	return string(b)
}

// matches reports whether key is the packed key of ls, without building it.
func (d *nameDict) matches(key string, ls []signal.Label) bool {
	names := *d.list.Load()
	for i := range ls {
		name, rest, ok := nextName(key, names)
		if !ok || name != ls[i].Name {
			return false
		}
		if key, ok = cutField(rest, ls[i].Value); !ok {
			return false
		}
	}
	return key == ""
}

// unpack returns the labels of a packed key, or false if it is not one. The strings
// point into key.
func (d *nameDict) unpack(key string) ([]signal.Label, bool) {
	names := *d.list.Load()
	return splitKey(key, func(k string) (string, string, bool) { return nextName(k, names) })
}

// nextName splits the name off a packed key's label.
func nextName(key string, names []string) (string, string, bool) {
	if key == "" {
		return "", "", false
	}
	if c := key[0]; c != 0 && c < 0x80 {
		if int(c) > len(names) {
			return "", "", false
		}
		return names[c-1], key[1:], true
	}
	n, w := uvarint(key)
	switch {
	case w <= 0:
		return "", "", false
	case n == 0:
		return nextField(key[w:])
	case n > uint64(len(names)):
		return "", "", false
	}
	return names[n-1], key[w:], true
}

func appendUvarint(b []byte, n uint64) []byte {
	for n >= 0x80 {
		b = append(b, byte(n)|0x80)
		n >>= 7
	}
	return append(b, byte(n))
}

// uvarint reads a uvarint from the start of s; w is its width, or 0 if s holds none.
func uvarint(s string) (n uint64, w int) {
	for i, shift := 0, 0; i < len(s) && shift < 64; i, shift = i+1, shift+7 {
		n |= uint64(s[i]&0x7f) << shift
		if s[i] < 0x80 {
			return n, i + 1
		}
	}
	return 0, 0
}

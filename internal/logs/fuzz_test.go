package logs

import (
	"strings"
	"testing"
)

func FuzzParserAdd(f *testing.F) {
	f.Add("PacketResponder 1 for block blk_-695 terminating", "user=root uid=0 \xff")
	f.Add("", "<*> <*>:<*> 5.2 KB, Sat Jun 18 02:23:10 2005")
	f.Fuzz(func(t *testing.T, a, b string) {
		p, err := NewParser(Config{MaxTemplatesPerService: 4, MaxWords: 8}, "f")
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []string{a, b, a + " " + b, b} {
			tpl, _ := p.Add(msg)
			if tpl == nil || p.Len() > 4 {
				t.Fatalf("template %v, %d held", tpl, p.Len())
			}
			if n := len(strings.Split(tpl.Text(), " ")); n > 9 {
				t.Fatalf("template of %d words past the cap: %q", n, tpl.Text())
			}
		}
	})
}

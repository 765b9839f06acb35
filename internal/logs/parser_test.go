package logs

import (
	"fmt"
	"testing"
)

// acpi are lines of one event whose first word varies among five table names.
var acpi = []string{
	"RSDT (v001 DELL PE BKC 0x00000001 MSFT 0x0100000a) @ 0x00000000000fd664",
	"MADT (v001 DELL PE BKC 0x00000001 MSFT 0x0100000a) @ 0x00000000000fd724",
	"FADT (v001 DELL PE BKC 0x00000001 MSFT 0x0100000a) @ 0x00000000000fd6b0",
	"HPET (v001 DELL PE BKC 0x00000001 MSFT 0x0100000a) @ 0x00000000000fd81c",
	"MCFG (v001 DELL PE BKC 0x00000001 MSFT 0x0100000a) @ 0x00000000000fd854",
}

const acpiT = "<*> (v001 DELL PE BKC <*> MSFT <*>) @ <*>"

func TestParserGroups(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  []string // template text per line, as read at the end
	}{
		{"numbers vary", []string{"took 10 ms", "took 250 ms"},
			[]string{"took <*> ms", "took <*> ms"}},
		{"word varies widely", []string{
			"login by alice ok", "login by bob ok", "login by carol ok", "login by dave ok",
			"login by erin ok"},
			[]string{"login by <*> ok", "login by <*> ok", "login by <*> ok",
				"login by <*> ok", "login by <*> ok"}},
		{"few constant choices stay apart", []string{
			"[instance: 1] VM Started (Lifecycle Event)",
			"[instance: 2] VM Stopped (Lifecycle Event)",
			"[instance: 3] VM Started (Lifecycle Event)"},
			[]string{"[instance: <*>] VM Started (Lifecycle Event)",
				"[instance: <*>] VM Stopped (Lifecycle Event)",
				"[instance: <*>] VM Started (Lifecycle Event)"}},
		{"different lengths stay apart", []string{"a b c", "a b c d"},
			[]string{"a b c", "a b c d"}},
		{"a variable spanning more words joins one template", []string{
			"conn close, 0 bytes sent, 12 bytes received, lifetime 00:01",
			"conn close, 1190 bytes (1.16 KB) sent, 1671 bytes received, lifetime <1 sec",
			"conn close, 9 bytes sent, 2048 bytes (2.0 KB) received, lifetime 00:03",
			"conn close, 1 bytes sent, 2 bytes received, lifetime 00:04"},
			[]string{"conn close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>",
				"conn close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>",
				"conn close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>",
				"conn close, <*> bytes <*> sent, <*> bytes <*> received, lifetime <*>"}},
		{"an extra constant word is another event", []string{
			"authentication failure; ruser= rhost=10.0.0.1",
			"authentication failure; ruser= rhost=10.0.0.2 user=root",
			"authentication failure; ruser= rhost=host.example.com user=root"},
			[]string{"authentication failure; ruser= rhost=<*>",
				"authentication failure; ruser= rhost=<*> user=root",
				"authentication failure; ruser= rhost=<*> user=root"}},
		{"a merged field keeps its name", []string{
			"auth failure; logname= tty=:0 ruser= rhost=",
			"auth failure; logname= tty=NODEVssh ruser= rhost=10.0.0.1",
			"auth failure; logname= tty=NODEVssh ruser= rhost=10.0.0.2 user=root",
			"auth failure; logname= tty=NODEVssh ruser= rhost=10.0.0.3 user=guest",
			"auth failure; logname= tty=NODEVssh ruser= rhost=10.0.0.4 user=root"},
			[]string{"auth failure; logname= tty=<*> ruser= rhost=<*>",
				"auth failure; logname= tty=<*> ruser= rhost=<*>",
				"auth failure; logname= tty=NODEVssh ruser= rhost=<*> user=root",
				"auth failure; logname= tty=NODEVssh ruser= rhost=<*> user=guest",
				"auth failure; logname= tty=NODEVssh ruser= rhost=<*> user=root"}},
		{"a choice of constants outlives a merge across lengths", []string{
			`1.2.3.4 "GET /v2/a HTTP/1.1" status: 200 len: 10 time: 0.1`,
			`1.2.3.4 "POST /v2/b HTTP/1.1" status: 200 len: 10 time: 0.1`,
			`1.2.3.4 "GET /v2/c?all=True b=1 HTTP/1.1" status: 200 len: 10 time: 0.1`},
			[]string{`<*> "GET <*>" status: <*> len: <*> time: <*>`,
				`<*> "POST <*>" status: <*> len: <*> time: <*>`,
				`<*> "GET <*>" status: <*> len: <*> time: <*>`}},
		{"words naming different keys are different events", []string{
			"getRecentTasks: num=20,flags=62,totalTasks=46",
			"getRecentTasks: topActivity=ComponentInfo{com.x/com.x.Main}",
			"getRecentTasks: num=21,flags=62,totalTasks=47"},
			[]string{"getRecentTasks: num=<*>,flags=<*>,totalTasks=<*>",
				"getRecentTasks: topActivity=ComponentInfo{<*>}",
				"getRecentTasks: num=<*>,flags=<*>,totalTasks=<*>"}},
		{"a constant first word keys the template", []string{
			"tickTime set to 2000", "maxClientCnxns set to 60", "syncLimit set to 5",
			"initLimit set to 10", "globalOutstandingLimit set to 1000"},
			[]string{"tickTime set to <*>", "maxClientCnxns set to <*>", "syncLimit set to <*>",
				"initLimit set to <*>", "globalOutstandingLimit set to <*>"}},
		{"another first word joins when the rest agrees closely", acpi,
			[]string{acpiT, acpiT, acpiT, acpiT, acpiT}},
		{"a masked first word does not", []string{"10.0.0.1 connected ok",
			"alice@10.0.0.2 connected ok"},
			[]string{"<*> connected ok", "<*> connected ok"}},
		{"numbered names are one variable", []string{
			"allocating divert_blk for eth0", "allocating divert_blk for eth1",
			"Processor [CPU0] (supports C1)", "Processor [CPU3] (supports C1)"},
			[]string{"allocating divert_blk for <*>", "allocating divert_blk for <*>",
				"Processor [<*>] (supports C1)", "Processor [<*>] (supports C1)"}},
		{"a numbered first word is no key", []string{
			"IRQ2 used by override.", "IRQ9 used by override.", "IRQ0 used by override."},
			[]string{"<*> used by override.", "<*> used by override.",
				"<*> used by override."}},
		{"a word after a naming noun is a name", []string{
			"session opened for user cyrus by (uid=0)", "session opened for user news by (uid=0)",
			"session opened for user cyrus by (uid=0)"},
			[]string{"session opened for user <*> by (uid=<*>)",
				"session opened for user <*> by (uid=<*>)",
				"session opened for user <*> by (uid=<*>)"}},
		{"aligned words naming different keys are different events", []string{
			"session opened for user news by (uid=0)",
			"session opened for user root by LOGIN(uid=0)"},
			[]string{"session opened for user news by (uid=<*>)",
				"session opened for user root by LOGIN(uid=<*>)"}},
		{"dot leaders of different names are different events", []string{
			"program interrupt: illegal instruction......0",
			"program interrupt: privileged instruction...0",
			"program interrupt: imprecise exception......0",
			"program interrupt: illegal instruction......1"},
			[]string{"program interrupt: illegal instruction......<*>",
				"program interrupt: privileged instruction...<*>",
				"program interrupt: imprecise exception......<*>",
				"program interrupt: illegal instruction......<*>"}},
		{"names differing in more than digits stay a choice", []string{
			"open through proxy 10.0.0.1:80 HTTPS", "open through proxy 10.0.0.2:80 SOCKS5",
			"open through proxy 10.0.0.3:80 HTTPS"},
			[]string{"open through proxy <*>:<*> HTTPS", "open through proxy <*>:<*> SOCKS5",
				"open through proxy <*>:<*> HTTPS"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := NewParser(Config{}, "svc")
			if err != nil {
				t.Fatal(err)
			}
			tpls := make([]*Template, len(c.lines))
			words := make([][]string, len(c.lines))
			for i, l := range c.lines {
				tpls[i], _ = p.Add(l)
				words[i] = p.Words()
			}
			for i := range c.lines {
				if got := tpls[i].TextFor(words[i]); got != c.want[i] {
					t.Fatalf("line %d: got %q, want %q", i, got, c.want[i])
				}
			}
		})
	}
}

func TestParserEvicts(t *testing.T) {
	p, err := NewParser(Config{MaxTemplatesPerService: 50}, "svc")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		w := fmt.Sprintf("%c%c", 'a'+i%26, 'a'+(i/26)%26)
		p.Add(fmt.Sprintf("event%s happened%s here%s", w, w, w))
	}
	if p.Len() > 50 || p.Evicted == 0 {
		t.Fatalf("%d templates, %d evicted; want at most 50 and some evicted", p.Len(),
			p.Evicted)
	}
}

func TestParserHostileInput(t *testing.T) {
	p, _ := NewParser(Config{MaxLineBytes: 1024}, "svc")
	inputs := []string{"", "\xff\xfe\x00binary", string(make([]byte, 1<<20)),
		"   ", "<*> <*> <*>"}
	for _, in := range inputs {
		tpl, _ := p.Add(in)
		if tpl == nil {
			t.Fatalf("no template for %q", in)
		}
	}
	if p.Truncated == 0 {
		t.Fatal("1 MB line not counted as truncated")
	}
}

func TestNumbered(t *testing.T) {
	cases := []struct {
		a, b string
		want bool
	}{
		{"eth0", "eth1", true},
		{"bglio78", "bglio617", true},
		{"[CPU3]", "[CPU0]", true},
		{"*14", "*15", true},
		{"eth0", "eth0", false},
		{"HTTPS", "SOCKS5", false},
		{"sda1", "sdb1", false},
		{"cn14", "an14", false},
		{"eth", "ethx", false},
	}
	for _, c := range cases {
		if got := numbered(c.a, c.b); got != c.want {
			t.Errorf("numbered(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
	keys := map[string]string{"IRQ12": "IRQ0", "12": "0", "a1b22c": "a0b0c", "x": ""}
	for w, want := range keys {
		kb, ok := firstKey(w, nil)
		if ok != (want != "") || ok && string(kb) != want {
			t.Errorf("firstKey(%q) = %q, %v; want %q", w, kb, ok, want)
		}
	}
}

func TestKeyOf(t *testing.T) {
	cases := map[string]string{
		"uid=0": "uid", "LOGIN(uid=<*>)": "LOGIN(uid", "name:": "", "rhost=": "",
		"R02-M1-N0-C:J12-U11": "", "core.<*>": "core.", "dcbf.........<*>": "dcbf.........",
		"plain": "", "<*>:<*>": "",
	}
	for w, want := range cases {
		if got := keyOf(w); got != want {
			t.Errorf("keyOf(%q) = %q, want %q", w, got, want)
		}
	}
}

// A node location such as "R02-M1-N0-C:J12-U11" reads like "name:value"; taken for a key,
// it kept lines of one event on two nodes apart.
func TestParserLocationIsNoKey(t *testing.T) {
	p, err := NewParser(Config{}, "svc")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Add("RAS KERNEL R02-M1-N0-C:J12-U11 cache parity error corrected")
	b, _ := p.Add("RAS KERNEL R23-M0-NE-C:J05-U01 cache parity error corrected")
	if a != b {
		t.Fatalf("two templates: %q and %q", a.Text(), b.Text())
	}
}

package logs

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	cases := []struct{ in, want string }{
		{"PacketResponder 1 for block blk_-695 terminating",
			"PacketResponder <*> for block <*> terminating"},
		{"10.250.19.102:50010 Served block blk_1 to /10.250.19.102",
			"<*>:<*> Served block <*> to <*>"},
		{"session opened for user root by (uid=0)",
			"session opened for user root by (uid=<*>)"},
		{"open through proxy proxy.cse.cuhk.edu.hk:5070 SOCKS5",
			"open through proxy <*>:<*> SOCKS5"},
		{"estimated size 5.2 KB, free 10 MB)", "estimated size <*>, free <*>)"},
		{"at Sat Jun 18 02:23:10 2005", "at <*>:<*>:<*> <*>"},
		{"fetching hdfs://10.1.1.1:9000/a/b ok", "fetching hdfs://<*> ok"},
		{"instance 0673dd71-34c5-4fbb-86c4-40623fbe45b4 on eth1", "instance <*> on eth1"},
		{"generating core.2275", "generating core.<*>"},
		{"START cmp=com.tencent.mm/.ui.LauncherUI via TCP/IP", "START cmp=<*> via TCP/IP"},
		{"illegal instruction......0", "illegal instruction......<*>"},
		{"version 1.2.... ok", "version <*> ok"},
		{"flag is true", "flag is <*>"},
		{"state.clipTopAmount:180, i:0", "state.clipTopAmount:<*>, i:<*>"},
		{"close, 1190 bytes (1.16 KB) sent", "close, <*> bytes (<*>) sent"},
		{"jA9J1UvC004306: from=root, size=0", "<*>: from=root, size=<*>"},
		{"Slf4jLogger on bglio617 with utf8mb4", "Slf4jLogger on bglio617 with utf8mb4"},
		{"", ""},
	}
	mk, err := newMasker(DefaultMasks, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := render(newTokenizer(mk, 256).tokens(c.in))
			if got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestTokensBounded(t *testing.T) {
	mk, _ := newMasker(DefaultMasks, nil)
	tk := newTokenizer(mk, 16)
	toks := tk.tokens(strings.Repeat("word ", 100000))
	if len(toks) != 17 || toks[16] != Wildcard || tk.truncated != 1 {
		t.Fatalf("got %d words, last %q, truncated %d", len(toks), toks[len(toks)-1],
			tk.truncated)
	}
}

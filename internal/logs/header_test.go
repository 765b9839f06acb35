package logs

import (
	"testing"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

func TestSplitHeader(t *testing.T) {
	cases := []struct {
		name, in, msg string
		level         signal.Severity
	}{
		{"iso, level, logger", "2024-05-01T12:00:00.123Z INFO c.e.Foo: cache warmed in 3 ms",
			"cache warmed in 3 ms", signal.SeverityInfo},
		{"iso with zone, bracketed level and thread",
			"2024-05-01 12:00:00,123+02:00 [ERROR] [main] db: connection refused",
			"connection refused", signal.SeverityError},
		{"python logging", "2024-05-01 12:00:00,123 - billing - WARNING - retry 2 of 5",
			"retry 2 of 5", signal.SeverityWarning},
		{"zookeeper", "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:" +
			"2181:FastLeaderElection@774] - Notification time out: 3200",
			"Notification time out: 3200", signal.SeverityInfo},
		{"thread field of several words",
			"2015-07-30 18:18:02,003 - INFO  [ProcessThread(sid:1 cport:-1)::P@476] - Done",
			"Done", signal.SeverityInfo},
		{"hdfs", "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 " +
			"for block blk_38 terminating", "PacketResponder 1 for block blk_38 terminating",
			signal.SeverityInfo},
		{"spark", "17/06/09 20:10:40 INFO executor.Backend: Registered signal handlers",
			"Registered signal handlers", signal.SeverityInfo},
		{"android", "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs",
			"printFreezingDisplayLogs", signal.SeverityNone},
		{"syslog", "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure",
			"authentication failure", ""},
		{"syslog program without pid", "Jun 15 04:06:20 combo logrotate: ALERT exited",
			"ALERT exited", ""},
		{"apache keeps the client field", "[Sun Dec 04 05:15:09 2005] [error] [client " +
			"1.2.3.4] Directory index forbidden", "[client 1.2.3.4] Directory index forbidden",
			signal.SeverityError},
		{"klog", "E0501 12:00:00.123456       1 reflector.go:138] failed to list pods",
			"failed to list pods", signal.SeverityError},
		{"level first", "ERROR disk /dev/sda1 failed", "disk /dev/sda1 failed",
			signal.SeverityError},
		{"no header", "5 files deleted by cleanup", "5 files deleted by cleanup", ""},
		{"capitalised word with colon is text", "Failed: disk full", "Failed: disk full", ""},
		{"a number alone is no clock", "123456 bytes read from disk",
			"123456 bytes read from disk", ""},
		{"header only", "2024-05-01T12:00:00Z INFO", "2024-05-01T12:00:00Z INFO", ""},
		{"empty", "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, level := SplitHeader(c.in)
			if msg != c.msg || level != c.level {
				t.Fatalf("got %q, %q; want %q, %q", msg, level, c.msg, c.level)
			}
		})
	}
}

func FuzzSplitHeader(f *testing.F) {
	f.Add("2015-07-29 17:41:44,747 - INFO  [a[b] c] - x")
	f.Add("[Sun Dec 04 05:15:09 2005] [error] [")
	f.Fuzz(func(t *testing.T, line string) {
		msg, _ := SplitHeader(line)
		if len(msg) > len(line) || line[len(line)-len(msg):] != msg {
			t.Fatalf("message %q is not a suffix of %q", msg, line)
		}
	})
}

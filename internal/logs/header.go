package logs

import (
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Lines that reach the live path are often whole log lines: an OTLP body or a Loki line
// written by a file tailer carries the timestamp, level and logger of the program's own
// format before the message. Mined as they are, the clock becomes a variable in every
// template and the logger name splits templates that the message alone would not.
// SplitHeader removes such a header by its shape, with no per-format configuration.

// maxHeaderWords bounds the words looked at after the timestamp.
const maxHeaderWords = 6

// SplitHeader returns the message of a log line without its leading header, and the level
// the header names ("" when none). A header is recognised when the line starts with a
// timestamp (ISO 8601, syslog "Jan _2 15:04:05", "[Sun Dec 04 04:47:44 2005]", compact
// "081109 203615", "17/06/09 20:10:40", klog "I0501 12:00:00.123") or with a level word;
// after it come, in any order, process and thread ids, "-" separators, a level ("INFO",
// "[warn]", "E"), bracketed context ("[main]") and a logger or program ending in ':'
// ("dfs.DataNode$PacketResponder:", "sshd(pam_unix)[19939]:"), after which the message
// starts. A line with no such header is returned whole.
//
// Limits: a header that does not start with a time or a level (a file name, a "-" label,
// fields joined by '|') is kept, and a logger not ending in ':' after the level ("CBS")
// stays in the message.
func SplitHeader(line string) (string, signal.Severity) {
	s := splitter{line: line}
	timed := s.timestamp()
	if !timed {
		s.pos = 0
	}
	if !s.rest(timed) || s.pos >= len(line) {
		return line, ""
	}
	return line[s.pos:], s.level
}

// splitter walks the words of one line.
type splitter struct {
	line  string
	pos   int // start of the first word not taken into the header
	level signal.Severity
}

// next returns the word at pos and the position after it and the spaces that follow.
func (s *splitter) next(pos int) (string, int) {
	end := pos
	for end < len(s.line) && !isSpace(s.line[end]) {
		end++
	}
	w := s.line[pos:end]
	for end < len(s.line) && isSpace(s.line[end]) {
		end++
	}
	return w, end
}

// timestamp takes the leading words that read as a date or a time. It reports whether a
// clock was among them (a word with h:m, or two long digit runs as in "081109 203615").
func (s *splitter) timestamp() bool {
	clock, longNums, month := false, 0, false
	for range 5 {
		w, end := s.next(s.pos)
		if w == "" {
			break
		}
		if lv, ok := klogHead(w); ok && s.pos == 0 {
			s.level, s.pos = lv, end
			continue
		}
		t := strings.Trim(w, "[],")
		switch {
		case isDateWord(t):
			month = true
		case month && len(t) <= 2 && allDigits(t):
			// the day after a month name
		case clock && len(t) == 4 && allDigits(t):
			// a year after the clock
		case timeWord(t):
			clock = clock || hasClock(t)
			if allDigits(t) {
				longNums++
			}
		default:
			return clock || longNums >= 2
		}
		s.pos = end
	}
	return clock || longNums >= 2
}

// klogHead reads the "I0501" word that starts a klog line: a level letter and MMDD.
func klogHead(w string) (signal.Severity, bool) {
	if len(w) != 5 || !allDigits(w[1:]) {
		return "", false
	}
	switch w[0] {
	case 'I', 'W', 'E', 'F':
		return levelWords[w[:1]], true
	}
	return "", false
}

// timeWord reports a word of digits and date or time separators, with at least five
// characters; a plain number must have six digits or more (a compact date or an epoch).
func timeWord(t string) bool {
	if len(t) < 5 || !isDigit(t[0]) {
		return false
	}
	digits := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case isDigit(c):
			digits++
		case strings.IndexByte("-/:.,T+Z", c) >= 0:
		default:
			return false
		}
	}
	return digits == len(t) && digits >= 6 || digits < len(t) && digits >= 4
}

func hasClock(t string) bool {
	i := strings.IndexByte(t, ':')
	return i > 0 && i+1 < len(t) && isDigit(t[i-1]) && isDigit(t[i+1])
}

func allDigits(t string) bool {
	for i := 0; i < len(t); i++ {
		if !isDigit(t[i]) {
			return false
		}
	}
	return t != ""
}

// rest takes the header words after the timestamp. Without a timestamp the line must
// start with a level word. It reports whether a header was found.
func (s *splitter) rest(timed bool) bool {
	found := timed
	for n := 0; n < maxHeaderWords; n++ {
		w, end := s.next(s.pos)
		if w == "" {
			return found
		}
		switch {
		case (w == "-" || w == "|") && s.level != "":
			// "LEVEL [thread] - message": the separator after the level ends the header
			s.pos = end
			return true
		case w == "-" || w == "|":
		case timed && allDigits(w):
			// a process or thread id
		case s.levelWord(w):
			found = true
		case !found:
			return false
		case w[0] == '[':
			// context such as a thread name, possibly of several words
			// A field of several words must end at a "-" separator: "[client 1.2.3.4]
			// Directory index forbidden" is message text.
			multi := !strings.HasSuffix(strings.TrimSuffix(w, ":"), "]")
			if end = s.closeBracket(s.pos); end < 0 || multi && !s.dashAfter(end) {
				return found
			}
		case s.level != "" && strings.HasSuffix(w, "]") && !strings.Contains(w, "["):
			// klog's "file.go:138]" ends its header
			s.pos = end
			return true
		case strings.HasSuffix(w, ":") && (s.level != "" || program(w)):
			s.pos = end
			return true
		case n < 2 && s.level == "" && s.hostBeforeProgram(end):
			// a syslog host name: the program follows
		case s.level == "" && s.dashAfter(end):
			// a program or logger name before a "-" separator ("chrome.exe - ",
			// Python's "%(asctime)s - %(name)s - %(levelname)s - ")
		default:
			return found
		}
		s.pos = end
	}
	return found
}

// levelWord notes a level word, bare or wrapped ("[notice]", "INFO:", "Info,").
func (s *splitter) levelWord(w string) bool {
	t := strings.Trim(w, "[]:,")
	if len(t) > 8 || t == "" {
		return false
	}
	sev, ok := levelWords[strings.ToUpper(t)]
	if !ok || len(t) == 1 && t != strings.ToUpper(t) {
		return false
	}
	if s.level == "" {
		s.level = sev
	}
	return true
}

// maxBracketBytes bounds how far a bracketed header field may run.
const maxBracketBytes = 256

// closeBracket returns the position after the bracketed field starting at pos and the
// spaces after it, or -1 when it does not close within maxBracketBytes.
func (s *splitter) closeBracket(pos int) int {
	depth := 0
	for i := pos; i < len(s.line) && i < pos+maxBracketBytes; i++ {
		switch s.line[i] {
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			_, end := s.next(i)
			if end == i || i+1 < len(s.line) && !isSpace(s.line[i+1]) &&
				!strings.HasPrefix(s.line[i+1:], ": ") {
				return -1 // text runs on after the bracket: not a header field
			}
			return end
		}
	}
	return -1
}

// dashAfter reports that the word at next is a lone "-".
func (s *splitter) dashAfter(next int) bool {
	w, _ := s.next(next)
	return w == "-"
}

// program reports a syslog program word: "sshd[42]:", "sshd(pam_unix)[19939]:",
// "kernel:", a dotted logger "nova.compute.manager:". A capitalised plain word ("Failed:")
// is message text.
func program(w string) bool {
	t := strings.TrimSuffix(w, ":")
	if t == "" || strings.ContainsAny(t, ".$[(/_") {
		return t != ""
	}
	return strings.ToLower(t) == t
}

// hostBeforeProgram reports that the word after the current one is a program word.
func (s *splitter) hostBeforeProgram(next int) bool {
	w, _ := s.next(next)
	return strings.HasSuffix(w, ":") && program(w)
}

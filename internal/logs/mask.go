package logs

import (
	"fmt"
	"regexp"
	"strings"
)

// Wildcard marks a variable position in a template.
const Wildcard = "<*>"

// The variable shapes a masker can replace with Wildcard, by the names the configuration
// uses.
const (
	MaskNumbers = "numbers" // any word part that starts with a digit: counts, ids, IPs, times
	MaskHex     = "hex"     // 0x…, hashes and UUID parts: hex runs of 6+ with a digit
	MaskPaths   = "paths"   // /absolute/paths, a/b/c relative paths and scheme://URLs
	MaskHosts   = "hosts"   // host.name:port and names under common top-level domains
	MaskSizes   = "sizes"   // the unit after a masked number: 5.2 KB, 10 MB
	MaskDates   = "dates"   // month and weekday names
	MaskBools   = "bools"   // true, false, null
)

// DefaultMasks is the mask set used when the configuration names none. It was chosen once
// for every Loghub system; see docs/logs.md.
var DefaultMasks = []string{
	MaskNumbers, MaskHex, MaskPaths, MaskHosts, MaskSizes, MaskDates, MaskBools,
}

type maskFlag uint16

const (
	flagNumbers maskFlag = 1 << iota
	flagHex
	flagPaths
	flagHosts
	flagSizes
	flagDates
	flagBools
)

var maskNames = map[string]maskFlag{
	MaskNumbers: flagNumbers, MaskHex: flagHex, MaskPaths: flagPaths, MaskHosts: flagHosts,
	MaskSizes: flagSizes, MaskDates: flagDates, MaskBools: flagBools,
}

// masker replaces variable parts of words with Wildcard. It holds no per-call state.
type masker struct {
	flags maskFlag
	// extra are operator patterns applied to whole words before the built-in shapes.
	extra []*regexp.Regexp
}

func newMasker(names, patterns []string) (masker, error) {
	var mk masker
	for _, n := range names {
		f, ok := maskNames[n]
		if !ok {
			return mk, fmt.Errorf("unknown mask %q", n)
		}
		mk.flags |= f
	}
	for _, p := range patterns {
		re, err := regexp.Compile(p)
		if err != nil {
			return mk, fmt.Errorf("compiling mask pattern %q: %w", p, err)
		}
		mk.extra = append(mk.extra, re)
	}
	return mk, nil
}

// delimiter reports the bytes that separate the parts of one word that are masked one by
// one: "uid=0" keeps "uid=", "10.0.0.1:80" becomes "<*>:<*>".
func delimiter(c byte) bool { return delimiters[c] }

// delimiters is the table behind delimiter: a look-up is cheaper than a switch on the hot
// path, where every byte of every word is tested.
var delimiters = func() (t [256]bool) {
	for _, c := range []byte(":=,;()[]{}<>\"'|#@") {
		t[c] = true
	}
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func isHex(c byte) bool { return isDigit(c) || ((c|0x20) >= 'a' && (c|0x20) <= 'f') }

// word masks one whitespace-free word, appending the result to buf. It returns buf and
// whether anything was masked; when nothing was, buf is returned unchanged and the caller
// keeps the word itself, which is the common case and allocates nothing.
func (mk *masker) word(w string, buf []byte) ([]byte, bool) {
	if !mk.mayMask(w) {
		return buf, false
	}
	for _, re := range mk.extra {
		if re.MatchString(w) {
			return append(buf, Wildcard...), true
		}
	}
	if mk.flags&flagPaths != 0 {
		if b, ok := maskURL(w, buf); ok {
			return b, true
		}
	}
	if mk.flags&flagHex != 0 && isMAC(w) {
		return append(buf, Wildcard...), true
	}
	return mk.segments(w, buf)
}

// mayMask is the fast check: most constant words have no digit, no slash and are no
// keyword, and need no further look.
func (mk *masker) mayMask(w string) bool {
	if len(mk.extra) > 0 {
		return true
	}
	dots := 0
	for i := 0; i < len(w); i++ {
		switch c := w[i]; {
		case isDigit(c) || c == '/':
			return true
		case c == '.':
			dots++
		}
	}
	if mk.flags&flagBools != 0 && isBool(w) {
		return true
	}
	if mk.flags&flagDates != 0 && isDateWord(w) {
		return true
	}
	return mk.flags&flagHosts != 0 && dots >= 2
}

// segments masks each delimiter-separated part of w on its own.
func (mk *masker) segments(w string, buf []byte) ([]byte, bool) {
	start := len(buf)
	masked := false
	for i := 0; i < len(w); {
		if delimiter(w[i]) {
			buf = append(buf, w[i])
			i++
			continue
		}
		j := i
		for j < len(w) && !delimiter(w[j]) {
			j++
		}
		seg := w[i:j]
		portNext := j+1 < len(w) && w[j] == ':' && isDigit(w[j+1])
		switch {
		case mk.flags&flagNumbers != 0 && counterSuffix(seg) > 0:
			masked = true
			buf = append(buf, seg[:counterSuffix(seg)]...)
			buf = append(buf, Wildcard...)
		case mk.segVar(seg, portNext):
			masked = true
			buf = append(buf, Wildcard...)
		default:
			buf = append(buf, seg...)
		}
		i = j
	}
	if !masked {
		return buf[:start], false
	}
	return buf, true
}

// segVar decides whether one delimiter-free part of a word is a variable. portNext says a
// ":<digit>" follows, which makes a dotted name a host.
func (mk *masker) segVar(seg string, portNext bool) bool {
	f := mk.flags
	switch {
	case f&flagPaths != 0 && isPath(seg):
		return true
	case f&flagBools != 0 && isBool(seg):
		return true
	case f&flagDates != 0 && isDateWord(seg):
		return true
	case f&flagHosts != 0 && isHost(seg, portNext):
		return true
	}
	return f&(flagNumbers|flagHex) != 0 && mk.numericParts(seg)
}

// numericParts splits seg on . _ - + / and reports a part that starts with a digit (a
// number, version, IP, block id) or a hex run of six or more with a digit (hashes, UUIDs).
// Letters followed by digits ("eth1", "SOCKS5", "ext3") stay constant: they name things.
func (mk *masker) numericParts(seg string) bool {
	start := 0
	for i := 0; i <= len(seg); i++ {
		if i < len(seg) && !partSep(seg[i]) {
			continue
		}
		part := seg[start:i]
		start = i + 1
		if part == "" {
			continue
		}
		if mk.flags&flagNumbers != 0 && (isDigit(part[0]) || mixedID(part)) {
			return true
		}
		if mk.flags&flagHex != 0 && hexRun(part) {
			return true
		}
	}
	return false
}

// mixedID reports a generated identifier such as the mail queue id "jA9J1UvC004306":
// eight or more characters with letters and at least three digits in two or more runs.
// Names keep their digits together ("Slf4jLogger", "bglio617", "utf8mb4").
func mixedID(p string) bool {
	if len(p) < 8 {
		return false
	}
	digits, runs := 0, 0
	for i := 0; i < len(p); i++ {
		switch {
		case isDigit(p[i]):
			digits++
			if i == 0 || !isDigit(p[i-1]) {
				runs++
			}
		case !isLetter(p[i]):
			return false
		}
	}
	return digits >= 3 && runs >= 2 && digits < len(p)
}

func partSep(c byte) bool { return c == '.' || c == '_' || c == '-' || c == '+' || c == '/' }

// hexRun reports a hex string of six or more characters holding a digit.
func hexRun(p string) bool {
	if len(p) < 6 {
		return false
	}
	digit := false
	for i := 0; i < len(p); i++ {
		if !isHex(p[i]) {
			return false
		}
		digit = digit || isDigit(p[i])
	}
	return digit
}

// counterSuffix returns the length of "name." in "name.123" (a numbered instance such as
// core.2275), or of "name...." in a dot leader ("instruction......0", a value printed in a
// table), or 0.
func counterSuffix(seg string) int {
	dot := strings.IndexByte(seg, '.')
	if dot < 1 {
		return 0
	}
	for i := 0; i < dot; i++ {
		if !isLetter(seg[i]) {
			return 0
		}
	}
	end := dot
	for end < len(seg) && seg[end] == '.' {
		end++
	}
	if end == len(seg) {
		return 0
	}
	for i := end; i < len(seg); i++ {
		if !isDigit(seg[i]) {
			return 0
		}
	}
	return end
}

// isPath reports an absolute path, a path of three or more parts, or a slash between two
// dotted names: an Android component "com.tencent.mm/.ui.LauncherUI" or a file under a
// host or package "pkg.name/file.ext". "TCP/IP" and "read/write" are words.
func isPath(seg string) bool {
	if len(seg) > 1 && seg[0] == '/' {
		return true
	}
	slashes, dotBefore, dotAfter := 0, false, false
	for i := 0; i < len(seg); i++ {
		switch seg[i] {
		case '/':
			slashes++
		case '.':
			dotBefore = dotBefore || slashes == 0
			dotAfter = dotAfter || slashes > 0
		}
	}
	return slashes >= 2 || slashes == 1 && dotBefore && dotAfter
}

func isBool(s string) bool {
	switch s {
	case "true", "false", "True", "False", "TRUE", "FALSE", "null", "NULL":
		return true
	}
	return false
}

var dateWords = map[string]bool{
	"Jan": true, "Feb": true, "Mar": true, "Apr": true, "May": true, "Jun": true,
	"Jul": true, "Aug": true, "Sep": true, "Oct": true, "Nov": true, "Dec": true,
	"Mon": true, "Tue": true, "Wed": true, "Thu": true, "Fri": true, "Sat": true, "Sun": true,
}

func isDateWord(s string) bool { return len(s) == 3 && dateWords[s] }

var topDomains = map[string]bool{
	"com": true, "net": true, "org": true, "edu": true, "gov": true, "io": true, "us": true,
	"uk": true, "de": true, "cn": true, "hk": true, "jp": true, "fr": true, "nl": true,
	"local": true, "internal": true, "cluster": true,
}

// isHost reports a lower-case dotted name followed by a port, or a lower-case name of three or more
// labels under a common top-level domain. Java class names (org.apache.X) end in a class,
// not a domain, and stay constant.
func isHost(seg string, portNext bool) bool {
	dot := strings.LastIndexByte(seg, '.')
	if dot <= 0 || dot == len(seg)-1 {
		return false
	}
	if portNext {
		// Host names are written in lower case; "state.clipTopAmount:180" is a field.
		return strings.IndexFunc(seg, func(r rune) bool { return r >= 'A' && r <= 'Z' }) < 0
	}
	return strings.Count(seg, ".") >= 2 && topDomains[seg[dot+1:]]
}

// maskURL turns scheme://anything into scheme://<*>, keeping closing punctuation.
func maskURL(w string, buf []byte) ([]byte, bool) {
	i := strings.Index(w, "://")
	if i <= 0 {
		return buf, false
	}
	for k := 0; k < i; k++ {
		if !isLetter(w[k]) {
			return buf, false
		}
	}
	end := len(w)
	for end > i+3 && strings.IndexByte(",;)]}\"'", w[end-1]) >= 0 {
		end--
	}
	buf = append(buf, w[:i+3]...)
	buf = append(buf, Wildcard...)
	return append(buf, w[end:]...), true
}

// isMAC reports colon-separated hex pairs (MAC addresses, IPv6-like runs).
func isMAC(w string) bool {
	if strings.Count(w, ":") < 3 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if !isHex(w[i]) && w[i] != ':' {
			return false
		}
	}
	return true
}

var sizeUnits = map[string]bool{
	"B": true, "KB": true, "MB": true, "GB": true, "TB": true, "kB": true, "KiB": true,
	"MiB": true, "GiB": true, "TiB": true, "K": true, "M": true, "G": true,
}

// unitPrefix returns the length of a size unit at the start of w when the rest of w is
// delimiters only ("KB", "MB,", "GB)"), or 0.
func unitPrefix(w string) int {
	n := 0
	for n < len(w) && isLetter(w[n]) {
		n++
	}
	if n == 0 || !sizeUnits[w[:n]] {
		return 0
	}
	for i := n; i < len(w); i++ {
		if !delimiter(w[i]) {
			return 0
		}
	}
	return n
}

package logs

import (
	"strings"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// levelWords maps level words found in log text to severities.
var levelWords = map[string]signal.Severity{
	"FATAL": signal.SeverityCritical, "CRITICAL": signal.SeverityCritical,
	"CRIT": signal.SeverityCritical, "PANIC": signal.SeverityCritical,
	"EMERG": signal.SeverityCritical, "ALERT": signal.SeverityCritical,
	"ERROR": signal.SeverityError, "ERR": signal.SeverityError, "SEVERE": signal.SeverityError,
	"E": signal.SeverityError, "F": signal.SeverityCritical,
	"WARN": signal.SeverityWarning, "WARNING": signal.SeverityWarning,
	"W":    signal.SeverityWarning,
	"INFO": signal.SeverityInfo, "NOTICE": signal.SeverityInfo, "I": signal.SeverityInfo,
	"DEBUG": signal.SeverityNone, "TRACE": signal.SeverityNone, "D": signal.SeverityNone,
	"V": signal.SeverityNone,
}

// levelScan bounds how far into a line the level word is looked for.
const levelScan = 160

// InferSeverity finds a level word near the start of a line ("ERROR", "[warn]",
// "level=error", a single-letter Android level) and returns its severity, or "" when none
// is found. Single letters count only as whole words.
func InferSeverity(line string) signal.Severity {
	if len(line) > levelScan {
		line = line[:levelScan]
	}
	for _, f := range strings.FieldsFunc(line, levelSep) {
		if len(f) > 8 {
			continue
		}
		if sev, ok := levelWords[strings.ToUpper(f)]; ok {
			if len(f) == 1 && f != strings.ToUpper(f) {
				continue
			}
			return sev
		}
	}
	return ""
}

func levelSep(r rune) bool {
	switch r {
	case ' ', '\t', '[', ']', '(', ')', '<', '>', ':', '=', '|', ',', '"', '\'':
		return true
	}
	return false
}

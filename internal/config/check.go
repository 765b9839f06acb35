package config

import (
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/pull"
)

// Validate runs the semantic checks on a config built in code or changed after loading
// (flags, CEREBRO_API_TOKEN), so that such a config meets the same rules as a file.
// Its problems carry no file or line.
func (c Config) Validate() error {
	ch := &checker{lines: map[string]int{}}
	ch.run(&c)
	if len(ch.problems) > 0 {
		return ch.problems
	}
	return nil
}

// checker runs the semantic checks on a decoded config and places each problem on the
// line of its key, known from the walk of the file.
type checker struct {
	file  string
	lines map[string]int
	// shadowed are the paths whose problems follow from one the walk reported.
	shadowed map[string]bool
	problems Problems
}

// bad records a problem on the line of path, or of its nearest parent that was written.
func (c *checker) bad(path, reason string) { c.at(c.line(path), path, reason) }

func (c *checker) at(line int, path, reason string) {
	if c.isShadowed(path) {
		return
	}
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Path: path,
		Reason: reason})
}

// isShadowed reports whether path or one of its parents is shadowed.
func (c *checker) isShadowed(path string) bool {
	for ; path != ""; path = parent(path) {
		if c.shadowed[path] {
			return true
		}
	}
	return false
}

// parent is the key path one level up: a.b[1].c -> a.b[1] -> a.b -> a -> "".
func parent(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// line finds the line of a key path, or of its nearest parent that was written.
func (c *checker) line(path string) int {
	for ; path != ""; path = parent(path) {
		if n, ok := c.lines[path]; ok {
			return n
		}
	}
	return 0
}

// run checks every section of cfg.
func (c *checker) run(cfg *Config) {
	if reason := listenReason(cfg.Listen); reason != "" {
		c.bad("listen", reason)
	}
	if cfg.DataDir == "" {
		c.bad("data_dir", "must not be empty")
	}
	// Zero is refused rather than read as the default: pruning with a zero or negative
	// age would delete everything at its next run.
	if cfg.Retention.Signals <= 0 {
		c.bad("retention.signals", "must be positive")
	}
	if cfg.Retention.Incidents <= 0 {
		c.bad("retention.incidents", "must be positive")
	}
	if cfg.Correlate.Window <= 0 {
		c.bad("correlate.window", "must be positive")
	}
	if cfg.Correlate.Hops < 0 {
		c.bad("correlate.hops", "must not be negative")
	}
	c.checkAuth(cfg)
	checkServices(cfg.Services, c.bad)
	checkSources(cfg, c.bad)
	cfg.Kube.check(c.bad)
	checkStage("detect", cfg.Detect.Defaults().Validate(), c.bad)
	// Written as 0, the sensitivity was read as the default 0.5 while an override's 0 was
	// refused; like the top-level durations, a written 0 is an error.
	if cfg.Detect.Sensitivity == 0 && c.written("detect.sensitivity") {
		c.bad("detect.sensitivity", fmt.Sprintf("0 is not in (0, 1); leave it out for "+
			"the default %v", detect.DefaultSensitivity))
	}
	checkStage("logs", cfg.Logs.Validate(), c.bad)
	for i, p := range cfg.Pull {
		c.checkPull(fmt.Sprintf("pull[%d]", i), p)
	}
	if cfg.SnapshotEvery <= 0 {
		c.bad("snapshot_every", "must be positive")
	}
}

// checkPull checks one pull item. A duration written as 0 is refused, as the top-level
// durations are: the pull stage reads 0 as its default, so "interval: 0s" ran at 15s
// unnoticed. Left out, the key still takes the default.
func (c *checker) checkPull(key string, p pull.Config) {
	checkStage(key, p.Defaults().Validate(), c.bad)
	if reason := pullURLReason(p.URL); reason != "" {
		c.bad(key+".url", reason)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", p.Interval}, {"max_catch_up", p.MaxCatchUp}, {"timeout", p.Timeout}} {
		if d.v == 0 && c.written(key+"."+d.name) {
			c.bad(key+"."+d.name, "must be positive; leave it out for the default")
		}
	}
	if p.MaxResponseBytes == 0 && c.written(key+".max_response_bytes") {
		c.bad(key+".max_response_bytes", "must be positive; leave it out for the default")
	}
	checkToken(key+".bearer_token", p.BearerToken, c.bad)
}

// written reports whether the file gave path a value (not null). A config built in code
// has no file: its zero fields are unset.
func (c *checker) written(path string) bool {
	_, ok := c.lines[path]
	return ok
}

// checkAuth checks the API token and every source's token and secret.
func (c *checker) checkAuth(cfg *Config) {
	checkToken("api_token", cfg.APIToken, c.bad)
	if !IsLoopback(cfg.Listen) && cfg.APIToken == "" {
		// The key is missing, so point at the listen line that makes it necessary.
		c.at(c.lines["listen"], "api_token", "required when listen is not a loopback address")
	}
	for _, n := range sortedKeys(cfg.Sources) {
		checkToken("sources."+n+".token", cfg.Sources[n].Token, c.bad)
		if s := cfg.Sources[n].Secret; s != "" && strings.TrimSpace(s) == "" {
			c.bad("sources."+n+".secret", "must not be blank")
		}
	}
}

// checkToken refuses a token no request can present. A blank token passed the
// non-loopback check, yet only a query parameter could match it and the read API never
// could; HTTP strips surrounding whitespace from header values.
func checkToken(path, tok string, bad func(path, reason string)) {
	switch trimmed := strings.TrimSpace(tok); {
	case tok == "":
	case trimmed == "":
		bad(path, "must not be blank")
	case trimmed != tok:
		bad(path, "must not start or end with whitespace: HTTP strips it from header values")
	}
}

// checkStage turns a stage's own validation errors, each "key: reason" on its own line
// (errors.Join), into problems under the stage's key.
func checkStage(key string, err error, bad func(path, reason string)) {
	if err == nil {
		return
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		sub, reason, ok := strings.Cut(line, ": ")
		if !ok || strings.ContainsAny(sub, " ") {
			bad(key, line)
			continue
		}
		base, _, _ := strings.Cut(key, "[")
		bad(key+"."+strings.TrimPrefix(sub, base+"."), reason)
	}
}

func checkSources(cfg *Config, bad func(path, reason string)) {
	known := map[string]bool{}
	for _, n := range KnownSources() {
		known[n] = true
	}
	for _, n := range sortedKeys(cfg.Sources) {
		if !known[n] {
			bad("sources."+n, "unknown source; known: "+strings.Join(KnownSources(), ", "))
		}
		// The source loads its zone per request, so a bad one used to fail every
		// delivery of a server that had started fine.
		if tz := cfg.Sources[n].TimeZone; tz != "" {
			if _, err := time.LoadLocation(tz); err != nil {
				bad("sources."+n+".time_zone", fmt.Sprintf("unknown time zone %q; "+
					"want an IANA name like Europe/Berlin", tz))
			}
		}
	}
}

// listenReason says what is wrong with a listen address, or "". It checks the port too:
// 127.0.0.1:99999 passed as host:port and failed only when the server bound it.
func listenReason(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "want host:port, like 127.0.0.1:8080"
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Sprintf("port %q: want a number from 0 to 65535", port)
	}
	return ""
}

// pullURLReason says what is wrong with a pull URL, or "". An empty one is the pull
// stage's own problem to report.
func pullURLReason(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Sprintf("%q: want an http or https URL, like http://127.0.0.1:9090", raw)
	}
	return ""
}

// sortedKeys lists a map's keys in order, so that problems come out the same every run.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

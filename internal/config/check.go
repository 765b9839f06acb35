package config

import (
	"fmt"
	"net"
	"sort"
	"strings"
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
	file     string
	lines    map[string]int
	problems Problems
}

// bad records a problem on the line of path, or of its nearest parent that was written.
func (c *checker) bad(path, reason string) { c.at(c.line(path), path, reason) }

func (c *checker) at(line int, path, reason string) {
	c.problems = append(c.problems, Problem{File: c.file, Line: line, Path: path,
		Reason: reason})
}

// line finds the line of a key path, or of its nearest parent that was written.
func (c *checker) line(path string) int {
	for path != "" {
		if n, ok := c.lines[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return 0
}

// run checks every section of cfg.
func (c *checker) run(cfg *Config) {
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		c.bad("listen", "want host:port, like 127.0.0.1:8080")
	}
	if cfg.DataDir == "" {
		c.bad("data_dir", "must not be empty")
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
	checkStage("logs", cfg.Logs.Validate(), c.bad)
	for i, p := range cfg.Pull {
		checkStage(fmt.Sprintf("pull[%d]", i), p.Defaults().Validate(), c.bad)
	}
	if cfg.SnapshotEvery <= 0 {
		c.bad("snapshot_every", "must be positive")
	}
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

func checkServices(svcs []Service, bad func(path, reason string)) {
	names := map[string]bool{}
	for i, s := range svcs {
		p := fmt.Sprintf("services[%d]", i)
		switch {
		case s.Name == "":
			bad(p+".name", "must not be empty")
		case names[s.Name]:
			bad(p+".name", fmt.Sprintf("service %q listed twice", s.Name))
		}
		names[s.Name] = true
	}
	for i, s := range svcs {
		for j, d := range s.DependsOn {
			if !names[d] {
				bad(fmt.Sprintf("services[%d].depends_on[%d]", i, j),
					fmt.Sprintf("service %q is not listed under services", d))
			}
		}
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
	}
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

// Package config loads and checks CEREBRO's YAML configuration. Loading is strict: an
// unknown key is an error, and every problem is reported at once with the file, line, the
// key path as the user wrote it, and the reason.
package config

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/detect"
	"github.com/cerebro-aiops/cerebro/internal/ingest"
	"github.com/cerebro-aiops/cerebro/internal/logs"
	"github.com/cerebro-aiops/cerebro/internal/pull"
)

// Config is the whole configuration. The zero value is not usable; start from Default.
type Config struct {
	// Listen is the HTTP listen address. A non-loopback address requires APIToken.
	Listen string `yaml:"listen"`
	// DataDir holds the SQLite store and detector snapshots.
	DataDir string `yaml:"data_dir"`
	// APIToken protects the API and is the default token of every ingest source.
	APIToken string `yaml:"api_token"`
	// Services is the static service graph: who calls whom.
	Services []Service `yaml:"services"`
	// Retention bounds how long signals and incidents are kept.
	Retention Retention `yaml:"retention"`
	// Correlate tunes how signals are grouped into incidents.
	Correlate Correlate `yaml:"correlate"`
	// Sources configures each ingest source by name (enabled, token, secret, ...).
	Sources map[string]ingest.SourceConfig `yaml:"sources"`
	// Detect tunes metric anomaly detection and forecasting.
	Detect detect.Config `yaml:"detect"`
	// Logs tunes log template mining and log signals.
	Logs logs.Config `yaml:"logs"`
	// Kube configures the Kubernetes watcher.
	Kube Kube `yaml:"kube"`
	// Pull lists Prometheus servers to query for series, for setups without remote_write.
	Pull []pull.Config `yaml:"pull"`
	// SnapshotEvery is how often detector and miner state is saved, besides at shutdown.
	SnapshotEvery Duration `yaml:"snapshot_every"`
}

// Service is one node of the service graph.
type Service struct {
	Name      string   `yaml:"name"`
	DependsOn []string `yaml:"depends_on"` // the services this one calls
}

// Retention says how long data is kept before it is pruned.
type Retention struct {
	Signals   Duration `yaml:"signals"`
	Incidents Duration `yaml:"incidents"`
}

// Correlate tunes grouping.
type Correlate struct {
	// Window is how long after an incident's last activity a related signal still joins it.
	Window Duration `yaml:"window"`
	// Hops is how far apart in the service graph two services may be and still share an
	// incident.
	Hops int `yaml:"hops"`
}

// Duration is a time.Duration written as "90s", "10m", "168h" in YAML.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return errors.New(durationReason(string(b)))
	}
	*d = Duration(v)
	return nil
}

// durationReason is the problem of a value that is not a duration.
func durationReason(s string) string {
	return fmt.Sprintf("parsing duration %q: want a number with a unit, like 90s or 10m", s)
}

// MarshalText renders the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// Default is the embedded default configuration: loopback, a local data dir, no graph.
func Default() Config {
	return Config{
		Listen:  "127.0.0.1:8080",
		DataDir: "cerebro-data",
		Retention: Retention{
			Signals:   Duration(7 * 24 * time.Hour),
			Incidents: Duration(90 * 24 * time.Hour),
		},
		Correlate:     Correlate{Window: Duration(10 * time.Minute), Hops: 2},
		Detect:        detect.Config{}.Defaults(),
		Logs:          logs.Default(),
		SnapshotEvery: Duration(5 * time.Minute),
	}
}

// IsLoopback reports whether addr listens on loopback only.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

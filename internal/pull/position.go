package pull

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// positionsVersion is the format of a Puller's snapshot.
const positionsVersion = 1

// positions is a Puller's snapshot: when each selector was last pulled into detection.
type positions struct {
	Version int    `json:"version"`
	URL     string `json:"url"`
	// Last is, per selector, the evaluation time in Unix milliseconds.
	Last map[string]int64 `json:"last"`
}

// SnapshotName names the Puller's snapshot file after its server, so that two pull
// sections, or a server that changed, never share positions.
func (p *Puller) SnapshotName() string {
	sum := sha256.Sum256([]byte(p.cfg.URL))
	return "pull-" + hex.EncodeToString(sum[:6])
}

// Snapshot writes when each selector was last pulled. Saved beside the detectors' state,
// it lets a restarted CEREBRO ask Prometheus for the span it was down (up to MaxCatchUp)
// instead of starting from now: the samples of that span reach the restored baselines in
// order, and an anomaly that happened while CEREBRO was down is still reported.
func (p *Puller) Snapshot(w io.Writer) error {
	p.mu.Lock()
	snap := positions{Version: positionsVersion, URL: p.cfg.URL,
		Last: make(map[string]int64, len(p.last))}
	for sel, at := range p.last {
		snap.Last[sel] = at.UnixMilli()
	}
	p.mu.Unlock()
	if err := json.NewEncoder(w).Encode(snap); err != nil {
		return fmt.Errorf("writing pull positions of %s: %w", p.cfg.URL, err)
	}
	return nil
}

// Restore reads the positions Snapshot wrote. Positions of selectors no longer configured
// are dropped; a snapshot of another server or format is refused and nothing is kept.
func (p *Puller) Restore(r io.Reader) error {
	var snap positions
	if err := json.NewDecoder(r).Decode(&snap); err != nil {
		return fmt.Errorf("reading pull positions of %s: %w", p.cfg.URL, err)
	}
	if snap.Version != positionsVersion {
		return fmt.Errorf("pull positions of %s: version %d, want %d",
			p.cfg.URL, snap.Version, positionsVersion)
	}
	if snap.URL != p.cfg.URL {
		return fmt.Errorf("pull positions are of %q, not %q", snap.URL, p.cfg.URL)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sel := range p.cfg.Selectors {
		if ms, ok := snap.Last[sel]; ok && ms > 0 {
			p.last[sel] = time.UnixMilli(ms)
		}
	}
	return nil
}

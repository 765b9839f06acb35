package detect

import (
	"math"
	"strings"
	"sync"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// Leak detection asks two questions of the world around a memory series before it names
// steady growth a leak: did the owner's load grow as fast (then the memory follows the
// traffic, as caches and pools do), and did the owner have a deploy shortly before (then
// the leak is most likely the new version's, and the signal says which).

const (
	// loadFresh is how long, in TrendWindows of sample time, a load series' fit stays
	// part of its owner's load after its last sample.
	loadFresh = 2
	// loadEvery is how many times per TrendWindow a load series publishes its fit.
	loadEvery = 20
	// changeLookback is how far before a leak's onset a change is named in it, at
	// least; three TrendWindows when that is longer (the growth began before the fit
	// could see it).
	changeLookback = time.Hour
	// maxChangeServices bounds the services whose last change is remembered.
	maxChangeServices = 10000
)

// isLoadName picks the counters whose rate is an owner's load: requests served.
// Duration sums and buckets carry latency as well, so only totals and counts qualify.
func isLoadName(name string) bool {
	if !strings.HasSuffix(name, "_total") && !strings.HasSuffix(name, "_count") {
		return false
	}
	n := strings.ToLower(name)
	for _, s := range []string{"request", "rpc", "grpc_server_handled", "calls"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// ownerOf names what a series belongs to for leak detection: its service and instance.
// A memory series and the request counters of the same process share it.
func ownerOf(ls []signal.Label) string {
	svc := signal.ServiceFromLabels(signal.LabelMap(ls))
	if svc == "" {
		return ""
	}
	return svc + "\x00" + signal.LabelValue(ls, "instance")
}

// serviceOf is the service part of an owner.
func serviceOf(owner string) string {
	svc, _, _ := strings.Cut(owner, "\x00")
	return svc
}

// loadPart is one load series' latest fit: its rate's slope (per second), the slope's
// standard error, the fitted rate now, and the sample time of the fit.
type loadPart struct {
	slope, se, level float64
	at               int64
}

// loadBook keeps each owner's load series' fits, by record index. It is engine-wide, as
// a process's memory and its request counters live in different shards.
type loadBook struct {
	mu      sync.Mutex
	owners  map[string]map[uint32]loadPart
	publish uint32 // publications since the last sweep of stale owners
}

func newLoadBook() *loadBook {
	return &loadBook{owners: map[string]map[uint32]loadPart{}}
}

// put records the fit of load series idx of owner, and every so often drops the parts
// that no longer send, so that series churn cannot grow the book.
func (b *loadBook) put(owner string, idx uint32, p loadPart, stale int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	parts := b.owners[owner]
	if parts == nil {
		parts = map[uint32]loadPart{}
		b.owners[owner] = parts
	}
	parts[idx] = p
	if b.publish++; b.publish < 4096 {
		return
	}
	b.publish = 0
	for o, ps := range b.owners {
		for i, q := range ps {
			if p.at-q.at > stale {
				delete(ps, i)
			}
		}
		if len(ps) == 0 {
			delete(b.owners, o)
		}
	}
}

// loadGrowth is an owner's load growth over a trend window.
type loadGrowth struct {
	frac        float64 // growth over the window, as a fraction of the load
	significant bool    // the summed slope is beyond two standard errors
}

// growth returns the owner's load growth over window; ok is false when the owner has no
// load series fresh at t.
func (b *loadBook) growth(owner string, t int64, window time.Duration) (
	g loadGrowth, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var slope, se2, level float64
	for _, p := range b.owners[owner] {
		if t-p.at > loadFresh*window.Milliseconds() {
			continue
		}
		slope += p.slope
		se2 += p.se * p.se
		level += p.level
		ok = true
	}
	if !ok || level <= 0 {
		return loadGrowth{}, false
	}
	return loadGrowth{frac: slope * window.Seconds() / level,
		significant: slope > 2*math.Sqrt(se2)}, true
}

// change is the last change an owner's service had.
type change struct {
	at   time.Time
	what string
}

// changeBook keeps the last change of each service, for naming the deploy behind a leak.
type changeBook struct {
	mu   sync.Mutex
	last map[string]change
}

// NoteChange tells leak detection that a service changed (a deploy, a config change, a
// flag flip): a leak that starts after it names it.
func (e *Engine) NoteChange(s signal.Signal) {
	if s.Kind != signal.KindChange || s.Service == "" {
		return
	}
	what := s.Name
	if c := s.Change; c != nil && c.PreviousVersion != "" && c.Version != "" {
		what += " (" + c.PreviousVersion + " -> " + c.Version + ")"
	}
	b := &e.changes
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.last[s.Service]; ok && !s.EventTime.After(prev.at) {
		return
	}
	if len(b.last) >= maxChangeServices {
		for svc := range b.last { // the map's order is random: a random service goes
			delete(b.last, svc)
			break
		}
	}
	b.last[s.Service] = change{at: s.EventTime, what: what}
}

// changeBefore returns the service's last change if it came within the lookback before t.
func (e *Engine) changeBefore(service string, t int64) (change, bool) {
	b := &e.changes
	b.mu.Lock()
	c, ok := b.last[service]
	b.mu.Unlock()
	lookback := max(changeLookback, 3*e.cfg.TrendWindow)
	at := time.UnixMilli(t)
	if !ok || c.at.After(at) || at.Sub(c.at) > lookback {
		return change{}, false
	}
	return c, true
}

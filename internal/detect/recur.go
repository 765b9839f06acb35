package detect

// recurSlots is how many times of day recur remembers.
const recurSlots = 4

// recur remembers the times of day at which a series has spiked, to recognise a spike
// that comes back every day at the same time (a cron job, a nightly backup, a daily
// report) as routine. A daily profile of hourly means cannot learn it: a five-minute
// spike barely moves its hour's mean.
//
// A spike is routine when one was seen within the tolerance of the same time of day on
// at least recurDays earlier days, the last of them no more than two days ago; a slot
// whose event stops coming is forgotten as new spike times need room.
//
// Memory: 16 bytes, a slot in 32 bits (see recurSlot). Work: O(recurSlots), only for
// samples whose spike is notable.
type recur struct {
	slots [recurSlots]recurSlot
}

// recurSlot packs one remembered time of day: its minute (11 bits), the days on which a
// spike came at it (10 bits; hits saturate at recurMaxHits) and the day number of the
// last of them modulo 2048 (11 bits), so that the Detector stays eight bytes smaller.
// Days are compared modulo 2048: a slot whose spike last came 2048 days ago reads as if
// it came today, which no routine tells apart.
type recurSlot uint32

const (
	recurMaxHits = 1000
	recurDayMod  = 1 << 11
)

func newRecurSlot(tod, hits int, day uint16) recurSlot {
	return recurSlot(uint32(tod) | uint32(hits)<<11 | uint32(day%recurDayMod)<<21)
}

func (s recurSlot) tod() int    { return int(s & 0x7ff) }
func (s recurSlot) hits() int   { return int(s >> 11 & 0x3ff) }
func (s recurSlot) day() uint16 { return uint16(s >> 21) }

// recurDays is how many earlier days must have had the spike for it to be routine, and
// recurTolMin how far apart in the day, in minutes, two spikes may be and still be the
// same event: a job's start is fixed, but when its load shows depends on the work it finds.
const (
	recurDays   = 2
	recurTolMin = 30
)

// observe records a notable spike at t (Unix ms) for a series sampled every dtSec
// seconds and reports whether it is routine.
func (r *recur) observe(t int64, dtSec float64) bool {
	mins := t / 60000
	tod, day := int(mins%1440), uint16(mins/1440)
	tol := max(recurTolMin, int(1.5*dtSec/60))
	weakest := 0
	for i, sl := range r.slots {
		if sl.hits() > 0 && todDist(sl.tod(), tod) <= tol {
			return r.hit(i, todMid(sl.tod(), tod), day)
		}
		if sl.hits() < r.slots[weakest].hits() {
			weakest = i
		}
	}
	r.slots[weakest] = newRecurSlot(tod, 1, day)
	return false
}

// hit counts a spike in slot i on day, moving the slot to the minute tod, and reports
// whether the slot was routine already.
func (r *recur) hit(i, tod int, day uint16) bool {
	sl := r.slots[i]
	hits := sl.hits()
	switch since := (day - sl.day()) % recurDayMod; {
	case since == 0: // a second spike the same day: the day is already counted
	case since <= 2:
		hits = min(hits+1, recurMaxHits)
	default: // the event stopped coming; start counting again
		hits = 1
	}
	r.slots[i] = newRecurSlot(tod, hits, day)
	return hits > recurDays
}

// todDist is the distance between two minutes of the day, around midnight.
func todDist(a, b int) int {
	d := a - b
	if d < 0 {
		d = -d
	}
	return min(d, 1440-d)
}

// todMid is the minute of the day halfway between a and b, the short way round.
func todMid(a, b int) int {
	d := b - a
	switch {
	case d > 720:
		d -= 1440
	case d < -720:
		d += 1440
	}
	return ((a+d/2)%1440 + 1440) % 1440
}

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
// Memory: 24 bytes. Work: O(recurSlots), only for samples whose spike is notable.
type recur struct {
	tod  [recurSlots]uint16 // minute of the day
	day  [recurSlots]uint16 // day number (Unix days, wrapped) of the last spike
	hits [recurSlots]uint16 // days on which a spike came at this time
}

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
	for i := range r.tod {
		if r.hits[i] > 0 && todDist(int(r.tod[i]), tod) <= tol {
			r.tod[i] = uint16(todMid(int(r.tod[i]), tod))
			return r.hit(i, day)
		}
		if r.hits[i] < r.hits[weakest] {
			weakest = i
		}
	}
	r.tod[weakest], r.day[weakest], r.hits[weakest] = uint16(tod), day, 1
	return false
}

// hit counts a spike in slot i on day and reports whether the slot was routine already.
func (r *recur) hit(i int, day uint16) bool {
	since := day - r.day[i]
	switch {
	case since == 0: // a second spike the same day: the day is already counted
	case since <= 2:
		r.hits[i] = min(r.hits[i]+1, 1000)
	default: // the event stopped coming; start counting again
		r.hits[i] = 1
	}
	r.day[i] = day
	return r.hits[i] > recurDays
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

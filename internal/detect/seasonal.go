package detect

const (
	day      = 24 * 3600 * 1000 // ms
	dayBins  = 24
	seasonOn = 0.6 // the profile is used once it cuts the squared error to this fraction
)

// seasonal is a daily profile: 24 hourly bins of the deviation from the level, read with
// linear interpolation so that the shape is smooth between bin centres. It is found
// automatically: the profile always learns, but the baseline only uses it once a full
// day has been seen and it explains a good part of the variance (its squared error is
// below seasonOn times that of the plain level).
//
// Limits: one period (a day); weekly shapes show as daily-profile error.
type seasonal struct {
	bins    [dayBins]float32
	sum     float32 // sum of bins, to keep the profile zero-mean
	start   int64
	errFlat float32 // recent squared deviation from the level alone
	errProf float32 // recent squared deviation from level + profile
	active  bool
}

func (s *seasonal) init(t int64) { s.start = t }

// spos is a time's place in the day: the two bins around it and the weight of the second.
// Step computes it once per sample.
type spos struct {
	b0, b1 int
	f      float64
	t      int64
}

func (s *seasonal) pos(t int64) spos {
	x := float64((t-s.start)%day)/day*dayBins - 0.5
	if x < 0 {
		x += dayBins
	}
	b0 := int(x) % dayBins
	return spos{b0: b0, b1: (b0 + 1) % dayBins, f: x - float64(int(x)), t: t}
}

// profile is the zero-mean profile value at p, whether or not it is active.
func (s *seasonal) profile(p spos) float64 {
	v := (1-p.f)*float64(s.bins[p.b0]) + p.f*float64(s.bins[p.b1])
	return v - float64(s.sum)/dayBins
}

// at is the seasonal part of the prediction: the profile when active, else 0.
func (s *seasonal) at(p spos) float64 {
	if !s.active {
		return 0
	}
	return s.profile(p)
}

// learn updates the profile with dev = value − level, clipped to within four spreads of
// the profile so that an anomaly does not become part of the daily shape. dtSec is the
// series' typical interval: each bin keeps about three days of memory whatever the rate.
func (s *seasonal) learn(sp spos, dev, spread, dtSec float64) {
	p := s.profile(sp)
	dev = max(p-4*spread, min(p+4*spread, dev))
	gamma := max(1e-4, min(0.3, dtSec/(3*3600)))

	for _, w := range [2]struct {
		b int
		w float64
	}{{sp.b0, 1 - sp.f}, {sp.b1, sp.f}} {
		old := s.bins[w.b]
		nb := float64(old) + gamma*w.w*(dev+float64(s.sum)/dayBins-float64(old))
		s.bins[w.b] = float32(nb)
		s.sum += float32(nb) - old
	}

	const beta = 0.002
	s.errFlat += float32(beta * (dev*dev - float64(s.errFlat)))
	s.errProf += float32(beta * ((dev-p)*(dev-p) - float64(s.errProf)))
	s.active = sp.t-s.start >= day && s.errProf < seasonOn*s.errFlat
}

package detect

import "testing"

// TestCusumSums checks the cusum's arithmetic: residuals within the allowance only drain
// the sums, larger ones accumulate beyond it, clipped as the baseline clips them, and
// each direction has its own sum.
func TestCusumSums(t *testing.T) {
	cases := []struct {
		name     string
		z        []float64
		up, down float64
	}{
		{"within the allowance", []float64{0.9, -0.9, 0.5, 1}, 0, 0},
		{"a shift of two spreads", []float64{2, 2, 2, 2, 2}, 5, 0},
		{"a spike is clipped", []float64{100}, clipZ - cusK, 0},
		{"downward", []float64{-2.5, -2.5}, 0, 3},
		{"drained by calm", []float64{2, 2, 2, 2, 2, 0, 0}, 3, 0},
		{"never below zero", []float64{2, -3, 0}, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := NewDetector()
			for _, z := range c.z {
				up, down := d.cusumNext(z)
				d.cusUp, d.cusDown = float32(up), float32(down)
			}
			if float64(d.cusUp) != c.up || float64(d.cusDown) != c.down {
				t.Errorf("sums %v, %v; want %v, %v", d.cusUp, d.cusDown, c.up, c.down)
			}
		})
	}
}

// TestCusumClearedByGap checks that a gap clears the sums: the shift they measured lies
// in a past the gap has cut off, as for the other short statistics.
func TestCusumClearedByGap(t *testing.T) {
	d := NewDetector()
	for i := int64(0); i < 20; i++ {
		d.Step(i*60_000, 1)
	}
	d.cusUp, d.cusDown = 7, 3
	d.Step(100*60_000, 1)
	if d.cusUp != 0 || d.cusDown != 0 {
		t.Errorf("sums %v, %v after a gap of 80 intervals; want 0, 0", d.cusUp, d.cusDown)
	}
}

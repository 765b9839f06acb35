package topology

import "testing"

func TestGraph(t *testing.T) {
	g := New()
	g.Add("frontend", "checkout")
	g.Add("checkout", "payments")
	g.Add("frontend", "catalog")
	tests := []struct {
		a, b string
		dist int
		dep  bool
	}{
		{"frontend", "payments", 2, true},
		{"payments", "frontend", 2, false},
		{"catalog", "payments", 3, false},
		{"payments", "payments", 0, false},
		{"payments", "unknown", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.a+"-"+tt.b, func(t *testing.T) {
			if d := g.Distance(tt.a, tt.b); d != tt.dist {
				t.Errorf("Distance = %d, want %d", d, tt.dist)
			}
			if dep := g.DependsOn(tt.a, tt.b); dep != tt.dep {
				t.Errorf("DependsOn = %v, want %v", dep, tt.dep)
			}
		})
	}
	if c := g.Callers("checkout"); len(c) != 1 || c[0] != "frontend" {
		t.Errorf("Callers(checkout) = %v", c)
	}
}

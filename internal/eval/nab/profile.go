package nab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// Profile is one NAB cost matrix.
type Profile struct {
	Name string
	TP   float64 // reward for the first row of a window
	FN   float64 // cost of a missed window
	FP   float64 // cost of a false-positive row
}

// ProfileNames lists NAB's profiles in the order reports print them.
var ProfileNames = []string{"standard", "reward_low_FP_rate", "reward_low_FN_rate"}

// DefaultProfiles are NAB's published cost matrices, used when no profiles.json is given.
var DefaultProfiles = map[string]Profile{
	"standard":           {Name: "standard", TP: 1, FN: 1, FP: 0.11},
	"reward_low_FP_rate": {Name: "reward_low_FP_rate", TP: 1, FN: 1, FP: 0.22},
	"reward_low_FN_rate": {Name: "reward_low_FN_rate", TP: 1, FN: 2, FP: 0.11},
}

// LoadProfiles reads dir/config/profiles.json.
func LoadProfiles(dir string) (map[string]Profile, error) {
	path := filepath.Join(dir, "config", "profiles.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading NAB profiles: %w", err)
	}
	var raw map[string]struct {
		CostMatrix struct {
			TP float64 `json:"tpWeight"`
			FN float64 `json:"fnWeight"`
			FP float64 `json:"fpWeight"`
		}
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("decoding NAB profiles %q: %w", path, err)
	}
	out := make(map[string]Profile, len(raw))
	for name, p := range raw {
		cm := p.CostMatrix
		out[name] = Profile{Name: name, TP: cm.TP, FN: cm.FN, FP: cm.FP}
	}
	for _, name := range ProfileNames {
		if _, ok := out[name]; !ok {
			return nil, fmt.Errorf("reading NAB profiles %q: profile %q missing", path, name)
		}
	}
	return out, nil
}

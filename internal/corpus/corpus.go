// Package corpus finds the shared public evaluation data (NAB, Loghub, payload samples)
// that lives beside the repository, for the eval commands and the tests that score
// against it.
package corpus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// EnvVar names the directory holding data/ and samples/, when it is not found by looking
// upwards from the working directory for a "shared" folder.
const EnvVar = "CEREBRO_SHARED"

// fallback is where the shared corpus lives on the team's machines.
const fallback = "/work/shared"

// ErrNotFound is returned when no shared corpus directory exists.
var ErrNotFound = errors.New("shared corpus not found")

// Dir returns the shared corpus directory: $CEREBRO_SHARED, else the first "shared"
// folder with a data/ subfolder found beside the working directory or one of its
// parents, else /work/shared.
func Dir() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		if isCorpus(d) {
			return d, nil
		}
		return "", fmt.Errorf("%s=%q has no data/ folder: %w", EnvVar, d, ErrNotFound)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locating shared corpus: %w", err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if c := filepath.Join(d, "shared"); isCorpus(c) {
			return c, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	if isCorpus(fallback) {
		return fallback, nil
	}
	return "", fmt.Errorf("locating shared corpus (set %s): %w", EnvVar, ErrNotFound)
}

// Path joins elem onto the shared corpus directory.
func Path(elem ...string) (string, error) {
	d, err := Dir()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{d}, elem...)...), nil
}

func isCorpus(d string) bool {
	st, err := os.Stat(filepath.Join(d, "data"))
	return err == nil && st.IsDir()
}

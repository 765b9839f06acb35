package corpus

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestDir(t *testing.T) {
	tmp := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tmp, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvVar, tmp)
	if d, err := Dir(); err != nil || d != tmp {
		t.Fatalf("Dir() = %q, %v; want %q", d, err, tmp)
	}
	t.Setenv(EnvVar, filepath.Join(tmp, "nope"))
	if _, err := Dir(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("want ErrNotFound for a missing folder, got %v", err)
	}
}

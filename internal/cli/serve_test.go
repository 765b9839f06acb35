package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLoadConfigChecksOverrides covers what the file's checks cannot see: a blank
// CEREBRO_API_TOKEN used to satisfy the non-loopback rule, and a bad --listen used to
// fail only when the server bound it.
func TestLoadConfigChecksOverrides(t *testing.T) {
	tests := []struct {
		name, token, listen, want string
	}{
		{"blank env token", "   ", "0.0.0.0:18186", "api_token: must not be blank"},
		{"no token", "", "0.0.0.0:18186", "api_token: required when listen is not a loopback"},
		{"good token", "s3cret", "0.0.0.0:18186", ""},
		{"loopback", "", "127.0.0.1:0", ""},
		{"port out of range", "", "127.0.0.1:99999", `listen: port "99999"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CEREBRO_API_TOKEN", tt.token)
			_, err := loadConfig("", tt.listen, "")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("want no error, got %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("want error containing %q, got %v", tt.want, err)
			}
		})
	}
}

// TestServeRefusesWhatCheckRefuses: serve loads the file with the checks of config
// check, so a pull item that check refuses does not start with the default instead.
func TestServeRefusesWhatCheckRefuses(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	yaml := "pull:\n  - url: http://127.0.0.1:9090\n    selectors: [up]\n    interval: 0s\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CEREBRO_API_TOKEN", "")
	want := "c.yaml:4: pull[0].interval: must be positive"
	if _, err := loadConfig(file, "", ""); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("want error containing %q, got %v", want, err)
	}
}

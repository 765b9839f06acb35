package cli

import (
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

package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestIncidentsHelpNamesToken: the commands send CEREBRO_API_TOKEN as the bearer token,
// and their help must say so, or a user of a protected server sees only 401.
func TestIncidentsHelpNamesToken(t *testing.T) {
	for _, sub := range []string{"list", "show"} {
		t.Run(sub, func(t *testing.T) {
			root := Root()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetArgs([]string{"incidents", sub, "--help"})
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "CEREBRO_API_TOKEN") {
				t.Errorf("help does not mention CEREBRO_API_TOKEN:\n%s", out.String())
			}
		})
	}
}

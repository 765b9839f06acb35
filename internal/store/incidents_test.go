package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// TestIncidentServicesNeverNull checks that an incident of alerts without a service reads
// back with an empty services list, as the API documents it, not JSON null.
func TestIncidentServicesNeverNull(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var id int64
	err = st.Update(ctx, func(tx *Tx) error {
		id, err = tx.CreateIncident(signal.Incident{Status: signal.IncidentOpen, Title: "T2",
			OpenedAt: t0, FirstSignalAt: t0, DetectedAt: t0, LastActivity: t0})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	in, err := st.Incident(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"services":[]`) {
		t.Errorf(`incident JSON lacks "services":[]: %s`, b)
	}
}

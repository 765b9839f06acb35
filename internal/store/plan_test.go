package store

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestHotQueriesUseIndexes guards the queries correlate runs for every signal, and those
// diagnose runs for every changed incident: each must
// reach its rows through the index named, on all the columns named. A full scan, or a
// search on incident_id alone, makes the cost of one signal grow with the size of an
// incident or of the history, which stalled incident creation behind a 50,000-alert
// Alertmanager group.
func TestHotQueriesUseIndexes(t *testing.T) {
	st := openStore(t)

	cases := []struct {
		name  string
		query string
		args  []any
		want  []string
	}{
		{"candidates", candidatesQuery, []any{"g", "g", "alertmanager", 0}, []string{
			"SEARCH incidents USING INDEX incidents_status (status=? AND last_activity>?)",
			"SEARCH m USING COVERING INDEX members_group (incident_id=? AND grp=? AND source=?)",
		}},
		{"open members", openMemberQuery, []any{1}, []string{
			"SEARCH members USING COVERING INDEX members_status (incident_id=?)",
		}},
		{"onset", onsetQuery, []any{1, "svc"}, []string{
			"SEARCH members USING INDEX members_onset (incident_id=? AND service=?)",
		}},
		{"strongest", strongestQuery, []any{1}, []string{
			"SEARCH members USING INDEX members_score (incident_id=? AND score>?)",
		}},
		{"first signal", firstSignalQuery, []any{1, "fp"}, []string{
			"SEARCH m USING INDEX sqlite_autoindex_members_1 (incident_id=? AND fingerprint=?)",
			"SEARCH s USING INTEGER PRIMARY KEY (rowid=?)",
		}},
		{"timeline", timelineQuery, []any{1}, []string{
			"SEARCH timeline USING INDEX timeline_order (incident_id=?)",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := explain(t, st, c.query, c.args...)
			for _, w := range c.want {
				if !slices.Contains(plan, w) {
					t.Errorf("plan lacks %q:\n%s", w, strings.Join(plan, "\n"))
				}
			}
			for _, line := range plan {
				if strings.HasPrefix(line, "SCAN ") && line != "SCAN CONSTANT ROW" {
					t.Errorf("full scan %q in plan:\n%s", line, strings.Join(plan, "\n"))
				}
			}
		})
	}
}

func explain(t *testing.T, st *Store, q string, args ...any) []string {
	t.Helper()
	rows, err := st.r.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", strings.Join(plan, "; "))
	return plan
}

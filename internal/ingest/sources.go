package ingest

// Sources lists every signal source served at /api/v1/ingest/<name>, in the order the
// docs list them. Add a source here and in docs/sources/.
func Sources() []Source {
	return []Source{
		{Name: "alertmanager", Decode: DecodeAlertmanager},
		{Name: "events", Decode: DecodeEvents},
		{Name: "changes", Decode: DecodeChanges},
	}
}

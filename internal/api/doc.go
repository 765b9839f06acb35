// Package api is CEREBRO's HTTP surface: the read side (incidents, signals), health and
// readiness, /metrics, and the ingest routes mounted from internal/ingest. It holds one
// route table; versioned paths live under /api/v1 and are described by
// api/openapi.yaml, which a golden test keeps true.
package api

// Package offheap maps anonymous memory outside the Go heap, for large pointer-free
// state (the detect engine's series records, keys and tables, remote_write's reference
// cache) that the collector then neither scans nor counts against GOGC. Callers fall back
// to the heap when Map returns nil, as it always does in race builds.
package offheap

package lab

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// ErrChangeNotPosted wraps the error of a deploy or rollback that was applied but whose
// change event CEREBRO did not accept.
var ErrChangeNotPosted = errors.New("change applied but its event was not posted")

// changeEvent is the body CEREBRO's /api/v1/ingest/changes takes.
type changeEvent struct {
	Type            string `json:"type"`
	Service         string `json:"service"`
	Version         string `json:"version"`
	PreviousVersion string `json:"previous_version"`
	Commit          string `json:"commit"`
	Author          string `json:"author"`
	Environment     string `json:"environment"`
	Description     string `json:"description"`
	Time            string `json:"time"`
}

// postChange tells CEREBRO about a deploy or rollback, when a CEREBRO URL is configured.
func (l *Lab) postChange(ctx context.Context, c change) error {
	if l.cfg.CerebroURL == "" {
		return nil
	}
	ev := changeEvent{
		Type: c.Type, Service: c.Service, Version: c.Version, PreviousVersion: c.Previous,
		Commit: commitOf(c.Service, c.Version), Author: "lab-ci", Environment: l.cfg.Environment,
		Description: fmt.Sprintf("%s %s %s (was %s)", c.Type, c.Service, c.Version, c.Previous),
		Time:        c.At.UTC().Format(time.RFC3339Nano),
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("%w: encoding change event: %w", ErrChangeNotPosted, err)
	}
	url := strings.TrimRight(l.cfg.CerebroURL, "/") + "/api/v1/ingest/changes"
	if err := l.post(ctx, url, "application/json", "", body); err != nil {
		l.log.Warn("posting change event", "service", c.Service, "err", err)
		return fmt.Errorf("%w: %w", ErrChangeNotPosted, err)
	}
	return nil
}

// commitOf makes up a stable commit id for a version, as CI would report it.
func commitOf(service, version string) string {
	sum := sha1.Sum([]byte(service + "@" + version))
	return hex.EncodeToString(sum[:])[:12]
}

// post sends body to url and wants a 2xx answer.
func (l *Lab) post(ctx context.Context, url, contentType, encoding string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building request to %s: %w", url, err)
	}
	req.Header.Set("Content-Type", contentType)
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	if l.cfg.CerebroToken != "" {
		req.Header.Set("Authorization", "Bearer "+l.cfg.CerebroToken)
	}
	if contentType == remoteWriteType {
		req.Header.Set("X-Prometheus-Remote-Write-Version", "0.1.0")
	}
	resp, err := l.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("posting to %s: %w", url, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("posting to %s: %s: %s", url, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

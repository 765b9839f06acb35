package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// client reads CEREBRO's API, as a user's tool would.
type client struct {
	base string
	http http.Client
}

func (c *client) get(ctx context.Context, path string, v any) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("building request for %s: %w", path, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("requesting %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("requesting %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("decoding %s: %w", path, err)
	}
	return nil
}

func (c *client) incidents(ctx context.Context) ([]signal.Incident, error) {
	var out struct {
		Incidents []signal.Incident `json:"incidents"`
	}
	err := c.get(ctx, "/api/v1/incidents?limit=1000", &out)
	return out.Incidents, err
}

func (c *client) incident(ctx context.Context, id int64) (signal.Incident, error) {
	var in signal.Incident
	err := c.get(ctx, fmt.Sprintf("/api/v1/incidents/%d", id), &in)
	return in, err
}

func (c *client) signals(ctx context.Context, kind string) ([]signal.Signal, error) {
	var out struct {
		Signals []signal.Signal `json:"signals"`
	}
	err := c.get(ctx, "/api/v1/signals?limit=1000&kind="+url.QueryEscape(kind), &out)
	return out.Signals, err
}

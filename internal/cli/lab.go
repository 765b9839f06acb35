package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/lab"
)

const labLong = `Run the lab: a simulated shop of services (frontend, catalog, checkout,
payments, inventory, db) that serve Prometheus metrics with noise and a daily shape.

Scrape GET /metrics (all services) or GET /services/NAME/metrics (one target per
service). Deploy with POST /deploy {"service","version"}; a version whose name contains
"leak" (v2-leaky) brings the memory-leak fault. Roll back with POST /rollback
{"service"}. GET /state shows what runs, GET /truth the faults injected.

With --cerebro, deploys and rollbacks post change events to CEREBRO; with --push-url the
lab also pushes its metrics by remote_write, for setups without a Prometheus.`

// labCmd runs the lab until interrupted, and holds the client sub-commands that drive a
// running one.
func labCmd() *cobra.Command {
	var cfg lab.Config
	var day time.Duration
	c := &cobra.Command{
		Use:   "lab",
		Short: "Run the simulated service world",
		Long:  labLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.CerebroToken == "" {
				cfg.CerebroToken = os.Getenv("CEREBRO_API_TOKEN")
			}
			cfg.Shape.DayLength = day
			l, err := lab.New(cfg, Logger(cmd, nil))
			if err != nil {
				return err
			}
			return l.Run(cmd.Context())
		},
	}
	f := c.Flags()
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:9470", "control API and /metrics address")
	f.StringVar(&cfg.CerebroURL, "cerebro", "", "CEREBRO base URL for change events")
	f.StringVar(&cfg.PushURL, "push-url", "", "remote_write URL to push metrics to")
	f.DurationVar(&cfg.PushInterval, "push-interval", 5*time.Second, "time between pushes")
	f.DurationVar(&day, "day-length", 24*time.Hour, "period of the daily traffic shape")
	f.Uint64Var(&cfg.Seed, "seed", 1, "noise seed")
	f.StringVar(&cfg.Environment, "environment", "lab", "environment named in change events")
	c.AddCommand(labDeployCmd(), labRollbackCmd())
	return c
}

func labDeployCmd() *cobra.Command {
	var addr, fault string
	c := &cobra.Command{
		Use:   "deploy SERVICE VERSION",
		Short: "Deploy a version on a running lab (v2-leaky brings the memory leak)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			body := map[string]string{"service": args[0], "version": args[1]}
			if fault != "" {
				body["fault"] = fault
			}
			return labCall(cmd.OutOrStdout(), addr, "/deploy", body)
		},
	}
	c.Flags().StringVar(&addr, "lab", "http://127.0.0.1:9470", "the lab's base URL")
	c.Flags().StringVar(&fault, "fault", "", "fault to bring whatever the version name")
	return c
}

func labRollbackCmd() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "rollback SERVICE",
		Short: "Roll a service of a running lab back to its previous version",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return labCall(cmd.OutOrStdout(), addr, "/rollback",
				map[string]string{"service": args[0]})
		},
	}
	c.Flags().StringVar(&addr, "lab", "http://127.0.0.1:9470", "the lab's base URL")
	return c
}

// labCall posts a control request to a running lab and prints its answer.
func labCall(out io.Writer, base, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding lab request: %w", err)
	}
	client := &http.Client{Timeout: 15 * time.Second}
	resp, err := client.Post(strings.TrimRight(base, "/")+path, "application/json",
		bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("calling lab %s: %w", path, err)
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("reading lab answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("calling lab %s: %s: %s", path, resp.Status, bytes.TrimSpace(answer))
	}
	_, err = out.Write(answer)
	return err
}

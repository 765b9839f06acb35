package cli

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/demo"
)

const demoLong = `Run the bad-deploy scenario end to end: start CEREBRO on embedded defaults and the
lab, replay a warm-up of lab history by remote_write, deploy a leaking version of one
service, and print the incident timeline as CEREBRO sees it (first signal, detected,
grouped, top hypothesis with evidence), then roll back and wait for the resolution.

With --once it exits 0 only when the bad deploy is ranked first; --json prints the
outcome as one JSON object at the end.`

func demoCmd() *cobra.Command {
	var o demo.Options
	var once, asJSON bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "Run the bad-deploy scenario and show the diagnosis",
		Long:  demoLong,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if asJSON {
				out = cmd.ErrOrStderr()
			}
			// The timeline is the demo's output; the server's own log stays quiet unless
			// asked for with --log-level.
			if !cmd.Flags().Changed("log-level") {
				_ = cmd.Flags().Set("log-level", "warn")
			}
			res, err := demo.Run(cmd.Context(), o, out, Logger(cmd, cmd.ErrOrStderr()))
			if err != nil {
				return err
			}
			report(out, res)
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				if err := enc.Encode(res); err != nil {
					return err
				}
			}
			if once && !res.Correct {
				return fmt.Errorf("the bad deploy was not ranked first")
			}
			return nil
		},
	}
	f := c.Flags()
	f.BoolVar(&once, "once", false, "run the scenario once and exit non-zero unless correct")
	f.BoolVar(&asJSON, "json", false, "print the outcome as JSON on stdout at the end")
	f.StringVar(&o.Listen, "listen", "", "CEREBRO listen address (default a free loopback port)")
	f.StringVar(&o.DataDir, "data-dir", "", "data directory (default a temporary one)")
	f.DurationVar(&o.Backfill, "warm-up", 0, "simulated history replayed first (default 30m)")
	f.StringVar(&o.FaultService, "service", "", "service that gets the bad deploy (default payments)")
	f.Uint64Var(&o.Seed, "seed", 0, "lab noise seed (default 1)")
	return c
}

func report(w io.Writer, r demo.Result) {
	fmt.Fprintln(w, "\nOutcome:")
	if r.TopHypothesis != nil {
		fmt.Fprintf(w, "  top hypothesis: %s on %s (score %.2f)\n", r.TopHypothesis.Kind,
			r.TopHypothesis.Service, r.TopHypothesis.Score)
	} else {
		fmt.Fprintln(w, "  top hypothesis: none")
	}
	fmt.Fprintf(w, "  correct: %v\n  incidents for the fault: %d (noise before it: %d)\n",
		r.Correct, r.Incidents, r.NoiseIncidents)
	fmt.Fprintf(w, "  MTTD: %.1fs\n", r.MTTDSeconds)
	if r.Resolved {
		fmt.Fprintf(w, "  resolved %.1fs after the fault\n", r.MTTRSeconds)
	} else {
		fmt.Fprintln(w, "  not resolved")
	}
}

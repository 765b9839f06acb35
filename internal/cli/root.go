// Package cli holds the cerebro sub-commands. Each command is a thin layer that parses
// flags and calls the same packages the server uses; one file per command.
package cli

import (
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
)

const rootLong = `CEREBRO is an AIOps engine: it ingests alerts, metrics, logs and change
events from the tools a team already runs, detects anomalies, folds related signals
into incidents, and ranks root causes with evidence.`

// Root builds the cerebro command tree.
func Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "cerebro",
		Short:         "AIOps engine: detect, correlate, diagnose",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("log-level", "info", "log level: debug, info, warn, error")
	root.PersistentFlags().String("log-format", "text", "log format: text or json")

	// One line per command; keep them in the order the help lists them.
	root.AddCommand(serveCmd())
	root.AddCommand(incidentsCmd())
	root.AddCommand(signalsCmd())
	root.AddCommand(demoCmd())
	root.AddCommand(labCmd())
	root.AddCommand(configCmd())
	root.AddCommand(evalCmd())
	root.AddCommand(benchCmd())
	return root
}

// evalCmd groups the evaluations on public labelled data.
func evalCmd() *cobra.Command {
	c := &cobra.Command{Use: "eval", Short: "Score CEREBRO on public labelled data"}
	for _, sub := range evalCommands {
		c.AddCommand(sub())
	}
	return c
}

// benchCmd groups the speed and memory benchmarks.
func benchCmd() *cobra.Command {
	c := &cobra.Command{Use: "bench", Short: "Measure throughput and memory"}
	for _, sub := range benchCommands {
		c.AddCommand(sub())
	}
	return c
}

// evalCommands and benchCommands are filled by the files that define each sub-command,
// so that adding one touches only its own file.
var (
	evalCommands  []func() *cobra.Command
	benchCommands []func() *cobra.Command
)

// Logger builds the process logger from the persistent flags.
func Logger(cmd *cobra.Command, w io.Writer) *slog.Logger {
	level, _ := cmd.Flags().GetString("log-level")
	format, _ := cmd.Flags().GetString("log-format")
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lv}
	if w == nil {
		w = os.Stderr
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

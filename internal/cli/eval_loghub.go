package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/corpus"
	"github.com/cerebro-aiops/cerebro/internal/eval/loghub"
	"github.com/cerebro-aiops/cerebro/internal/logs"
)

func init() { evalCommands = append(evalCommands, evalLoghubCmd) }

const evalLoghubLong = `Mine the labelled Loghub 2k samples with the log template miner, one
configuration for all systems, and report per system and on average: grouping accuracy,
parsing accuracy (exact template match), F1 of template accuracy and lines per second.

Systems are found by folder layout under --data: <System>/<System>_2k.log_structured.csv,
or with --corrected the Loghub-2.0 <System>_2k.log_structured_corrected.csv files.
With --raw the miner reads the raw <System>_2k.log lines, as the live ingest path does,
and strips their headers itself (logs.SplitHeader); the labels stay the same.`

func evalLoghubCmd() *cobra.Command {
	var data string
	var corrected, raw, asJSON bool
	c := &cobra.Command{
		Use:   "loghub",
		Short: "Score log template mining on the Loghub 2k samples",
		Long:  evalLoghubLong,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt := loghub.Options{Corrected: corrected, Raw: raw}
			return runEvalLoghub(cmd.OutOrStdout(), data, opt, asJSON)
		},
	}
	c.Flags().StringVar(&data, "data", corpusDefault("data", "loghub"),
		"Loghub data directory")
	c.Flags().BoolVar(&corrected, "corrected", false, "use the corrected Loghub-2.0 labels")
	c.Flags().BoolVar(&raw, "raw", false,
		"mine the raw log lines through the header splitter instead of the Content column")
	c.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return c
}

// corpusDefault is a folder of the shared corpus (see package corpus), or "" when no
// corpus is found, so that --data must then be given.
func corpusDefault(elem ...string) string {
	d, err := corpus.Path(elem...)
	if err != nil {
		return ""
	}
	return d
}

// noCorpus says why no default corpus was found (CEREBRO_SHARED set to a folder without
// data/, or no shared folder at all) and how to go on.
func noCorpus(what string) error {
	_, err := corpus.Dir()
	if err == nil {
		err = corpus.ErrNotFound
	}
	return fmt.Errorf("finding %s data: %v; give --data", what, err)
}

func runEvalLoghub(out io.Writer, data string, opt loghub.Options, asJSON bool) error {
	if data == "" {
		return noCorpus("Loghub")
	}
	systems, err := loghub.Discover(data, opt.Corrected)
	if err != nil {
		return err
	}
	if len(systems) == 0 {
		return fmt.Errorf("finding Loghub systems under %s: none found", data)
	}
	bar := newBar(os.Stderr, len(systems), "loghub", progressbar.OptionShowCount())
	res, err := loghub.Run(systems, logs.Default(), opt, func(s loghub.System) {
		bar.Describe(s.Name)
		_ = bar.Add(1)
	})
	_ = bar.Finish()
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	return printLoghub(out, res)
}

func printLoghub(out io.Writer, res loghub.Result) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tgrouping acc\tparsing acc\ttemplate F1\tlines/s\t")
	names := make([]string, 0, len(res.Systems))
	for n := range res.Systems {
		names = append(names, n)
	}
	sort.Strings(names)
	row := func(name string, s loghub.Scores) {
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.3f\t%.0f\t\n", name, s.GroupingAccuracy,
			s.ParsingAccuracy, s.TemplateF1, s.LinesPerSec)
	}
	for _, n := range names {
		row(n, res.Systems[n])
	}
	row("mean", res.Mean)
	return tw.Flush()
}

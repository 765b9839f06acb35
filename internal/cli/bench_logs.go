package cli

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/eval/loghub"
	"github.com/cerebro-aiops/cerebro/internal/logs"
)

func init() { benchCommands = append(benchCommands, benchLogsCmd) }

const benchLogsLong = `Measure log template mining on one core:

1. throughput on the Loghub 2k samples (the Content column) replicated --replicas times,
   per system with a fresh parser each;
2. memory on a synthetic stream of --lines lines over --templates distinct templates,
   against the default template cap, sampling the Go heap as it goes.`

func benchLogsCmd() *cobra.Command {
	var data string
	var replicas, lines, templates int
	c := &cobra.Command{
		Use:   "logs",
		Short: "Benchmark log template mining speed and memory",
		Long:  benchLogsLong,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if err := benchLoghub(out, data, replicas); err != nil {
				return err
			}
			return benchSynthetic(out, lines, templates)
		},
	}
	c.Flags().StringVar(&data, "data", corpusDefault("data", "loghub", "loghub-2k"),
		"Loghub 2k data")
	c.Flags().IntVar(&replicas, "replicas", 250, "times each 2k sample is replayed")
	c.Flags().IntVar(&lines, "lines", 10_000_000, "lines in the synthetic stream")
	c.Flags().IntVar(&templates, "templates", 100_000, "distinct synthetic templates")
	return c
}

func benchLoghub(out io.Writer, data string, replicas int) error {
	if data == "" {
		return noCorpus("Loghub")
	}
	systems, err := loghub.Discover(data, false)
	if err != nil {
		return err
	}
	var total int
	var spent time.Duration
	for _, sys := range systems {
		lines, err := loghub.Load(sys.Path)
		if err != nil {
			return err
		}
		p, err := logs.NewParser(logs.Config{}, sys.Name)
		if err != nil {
			return err
		}
		start := time.Now()
		for range replicas {
			for _, l := range lines {
				p.Add(l.Content)
			}
		}
		d := time.Since(start)
		n := replicas * len(lines)
		total += n
		spent += d
		fmt.Fprintf(out, "loghub %-12s %9d lines %12.0f lines/s\n", sys.Name, n,
			float64(n)/d.Seconds())
	}
	if spent > 0 {
		fmt.Fprintf(out, "loghub %-12s %9d lines %12.0f lines/s\n", "all", total,
			float64(total)/spent.Seconds())
	}
	return nil
}

func benchSynthetic(out io.Writer, lines, templates int) error {
	if templates <= 0 || lines <= 0 {
		return fmt.Errorf("checking flags: --lines and --templates must be positive")
	}
	p, err := logs.NewParser(logs.Config{}, "synthetic")
	if err != nil {
		return err
	}
	bar := newBar(os.Stderr, lines, "synthetic",
		progressbar.OptionThrottle(200*time.Millisecond))
	var peak uint64
	var ms runtime.MemStats
	const step = 1 << 18
	start := time.Now()
	for i := 0; i < lines; i++ {
		p.Add(logs.Synthetic(i, templates))
		if i%step == step-1 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			_ = bar.Add(step)
		}
	}
	d := time.Since(start)
	_ = bar.Finish()
	runtime.ReadMemStats(&ms)
	peak = max(peak, ms.HeapInuse)
	fmt.Fprintf(out, "synthetic %d lines over %d templates: %.0f lines/s, %d templates held, "+
		"%d evicted, peak heap in use %.1f MiB\n", lines, templates,
		float64(lines)/d.Seconds(), p.Len(), p.Evicted, float64(peak)/(1<<20))
	return nil
}

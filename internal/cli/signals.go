package cli

import (
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// signalsCmd lists and shows stored signals: the alerts, anomalies, log patterns,
// changes and forecasts that incidents are made of, and that their evidence cites by id.
func signalsCmd() *cobra.Command {
	var server string
	var asJSON bool
	c := &cobra.Command{Use: "signals", Short: "List and show signals from a server"}
	c.PersistentFlags().StringVar(&server, "server", "http://127.0.0.1:8080", serverHelp)
	c.PersistentFlags().BoolVar(&asJSON, "json", false, "print the API's JSON")

	var f struct{ kind, source, service, limit string }
	list := &cobra.Command{
		Use: "list", Short: "List signals, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			q := url.Values{}
			for k, v := range map[string]string{"kind": f.kind, "source": f.source,
				"service": f.service, "limit": f.limit} {
				if v != "" {
					q.Set(k, v)
				}
			}
			var out struct {
				Signals *[]signal.Signal `json:"signals"`
			}
			u := server + "/api/v1/signals?" + q.Encode()
			raw, err := getJSON(u, &out)
			if err == nil && out.Signals == nil {
				err = fmt.Errorf("answer from %s is not a list of signals", u)
			}
			if err != nil || asJSON {
				return printRaw(cmd.OutOrStdout(), raw, err)
			}
			printSignals(cmd.OutOrStdout(), *out.Signals)
			return nil
		},
	}
	list.Flags().StringVar(&f.kind, "kind", "",
		"filter: alert, anomaly, logpattern, change, forecast")
	list.Flags().StringVar(&f.source, "source", "", "filter: ingest source, or detect / logs")
	list.Flags().StringVar(&f.service, "service", "", "filter: service")
	list.Flags().StringVar(&f.limit, "limit", "", "at most this many (default 100, most 1000)")

	show := &cobra.Command{
		Use: "show ID", Short: "Show one signal with its labels and details",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("signal", args[0])
			if err != nil {
				return err
			}
			var s signal.Signal
			u := server + "/api/v1/signals/" + strconv.FormatInt(id, 10)
			raw, err := getJSON(u, &s)
			if err == nil && s.ID != id {
				err = notAsked(u, "signal", id, s.ID)
			}
			if err != nil || asJSON {
				return printRaw(cmd.OutOrStdout(), raw, err)
			}
			printSignal(cmd.OutOrStdout(), &s)
			return nil
		},
	}
	show.SetFlagErrorFunc(negativeID("signal"))
	c.AddCommand(list, show)
	return c
}

// printSignals writes a table of signals, one row each. Every cell goes through tprintf,
// so that a tab or newline in a name cannot forge a column or a row.
func printSignals(w io.Writer, sigs []signal.Signal) {
	var c clock
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTIME\tKIND\tSOURCE\tSTATUS\tSEVERITY\tSERVICE\tNAME")
	for _, s := range sigs {
		tprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, c.ts(s.EventTime), s.Kind,
			s.Source, s.Status, s.Severity, dash(s.Service), s.Name)
	}
	tw.Flush()
}

// printSignal renders one signal for a terminal: what it is, when by each clock, and
// the detail its kind carries. Text from the signal goes through tprintf.
func printSignal(w io.Writer, s *signal.Signal) {
	var c clock
	tprintf(w, "Signal %d: %s %s from %s\n", s.ID, s.Kind, s.Name, s.Source)
	tprintf(w, "  status:    %s (%s), severity %s\n", s.Status, dash(s.RawStatus),
		s.Severity)
	tprintf(w, "  service:   %s\n", dash(s.Service))
	tprintf(w, "  started %s, event %s, received %s", c.ts(s.StartsAt), c.ts(s.EventTime),
		c.ts(s.ReceivedAt))
	if !s.EndsAt.IsZero() {
		tprintf(w, ", ends %s", c.ts(s.EndsAt))
	}
	fmt.Fprintln(w)
	if s.Summary != "" {
		tprintf(w, "  summary:   %s\n", s.Summary)
	}
	if s.Kind == signal.KindAnomaly || s.Kind == signal.KindForecast {
		tprintf(w, "  value:     %g (score %.2f)", s.Value, s.Score)
		if s.Expected != nil {
			tprintf(w, ", expected %g to %g", s.Expected.Low, s.Expected.High)
		}
		fmt.Fprintln(w)
	}
	if s.Change != nil {
		tprintf(w, "  change:    %s\n", changeText(s.Change))
	}
	tprintf(w, "  native id: %s, fingerprint %s\n", dash(s.NativeID), s.Fingerprint)
	printMap(w, "Labels", s.Labels)
	printMap(w, "Annotations", s.Annotations)
}

// changeText names a change's type and every part of it that is set.
func changeText(ch *signal.Change) string {
	parts := []string{ch.Type}
	for _, f := range []struct{ name, v string }{
		{"version", ch.Version}, {"previous", ch.PreviousVersion}, {"commit", ch.Commit},
		{"author", ch.Author}, {"environment", ch.Environment}, {"state", ch.State},
	} {
		if f.v != "" {
			parts = append(parts, f.name+" "+f.v)
		}
	}
	return strings.Join(parts, ", ")
}

// printMap prints a map's entries sorted by key, under a heading, if there are any. Keys
// and values go through tprintf: a newline in either would forge another entry.
func printMap(w io.Writer, heading string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "\n%s:\n", heading)
	for _, k := range keys {
		tprintf(w, "  %s=%s\n", k, m[k])
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

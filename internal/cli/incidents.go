package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cerebro-aiops/cerebro/internal/signal"
)

// serverHelp is the --server flag's help. The token is read from the environment, not
// a flag, so that it stays out of shell history and process lists.
const serverHelp = "CEREBRO URL; the bearer token for a server with api_token is read " +
	"from CEREBRO_API_TOKEN"

func incidentsCmd() *cobra.Command {
	var server string
	var asJSON bool
	c := &cobra.Command{Use: "incidents", Short: "List and show incidents from a server"}
	c.PersistentFlags().StringVar(&server, "server", "http://127.0.0.1:8080", serverHelp)
	c.PersistentFlags().BoolVar(&asJSON, "json", false, "print the API's JSON")

	list := &cobra.Command{
		Use: "list", Short: "List incidents, newest first", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			status, _ := cmd.Flags().GetString("status")
			var out struct {
				Incidents *[]signal.Incident `json:"incidents"`
			}
			u := server + "/api/v1/incidents?" + url.Values{"status": {status}}.Encode()
			raw, err := getJSON(u, &out)
			if err == nil && out.Incidents == nil {
				err = fmt.Errorf("answer from %s is not a list of incidents", u)
			}
			if err != nil || asJSON {
				return printRaw(cmd.OutOrStdout(), raw, err)
			}
			printIncidents(cmd.OutOrStdout(), *out.Incidents)
			return nil
		},
	}
	list.Flags().String("status", "", "filter: open, diagnosed, resolved")

	show := &cobra.Command{
		Use: "show ID", Short: "Show one incident with timeline and hypotheses",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID("incident", args[0])
			if err != nil {
				return err
			}
			var in signal.Incident
			u := server + "/api/v1/incidents/" + strconv.FormatInt(id, 10)
			raw, err := getJSON(u, &in)
			if err == nil && in.ID != id {
				err = notAsked(u, "incident", id, in.ID)
			}
			if err != nil || asJSON {
				return printRaw(cmd.OutOrStdout(), raw, err)
			}
			PrintIncident(cmd.OutOrStdout(), &in)
			return nil
		},
	}
	show.SetFlagErrorFunc(negativeID("incident"))
	c.AddCommand(list, show)
	return c
}

// getJSON fetches u with the API token from CEREBRO_API_TOKEN and decodes it into v. An
// error answer's status and body go through printable: the error is printed to the
// terminal, and the body may echo what a sender posted.
func getJSON(u string, v any) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", u, err)
	}
	if tok := os.Getenv("CEREBRO_API_TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("requesting %s: %w", u, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("requesting %s: %s: %s", u, printable(resp.Status),
			printable(strings.TrimSpace(string(raw))))
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return nil, fmt.Errorf("decoding answer from %s: %w", u, err)
	}
	return raw, nil
}

// parseID reads a show command's ID argument; the API would refuse anything but a positive
// integer, and saying so here names the argument as the user typed it.
func parseID(what, arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%s id %q: want a positive integer", what, arg)
	}
	return id, nil
}

// negativeID is a show command's flag error handler. Flag parsing runs before the
// arguments are checked and reads "-1" as the unknown shorthand flag 1; a user who typed
// a negative id gets the id's error instead of "unknown shorthand flag: '1' in -1".
func negativeID(what string) func(*cobra.Command, error) error {
	return func(_ *cobra.Command, err error) error {
		// pflag's NotExistError, matched by method so that pflag stays an indirect
		// dependency.
		var unknown interface{ GetSpecifiedShortnames() string }
		if errors.As(err, &unknown) {
			if s := unknown.GetSpecifiedShortnames(); s != "" && s[0] >= '0' && s[0] <= '9' {
				_, err := parseID(what, "-"+s)
				return err
			}
		}
		return err
	}
}

// notAsked is the error for an answer that decoded but is not the object asked for. A
// --server URL with a path or query in it sends the request to another route, whose
// answer, a list say, decodes into an empty object that would print as "Signal 0".
func notAsked(u, what string, want, got int64) error {
	if got == 0 {
		return fmt.Errorf("answer from %s is not %s %d: it has no id", u, what, want)
	}
	return fmt.Errorf("answer from %s is not %s %d: it has id %d", u, what, want, got)
}

func printRaw(w io.Writer, raw []byte, err error) error {
	if err != nil {
		return err
	}
	_, err = w.Write(raw)
	return err
}

// printIncidents writes a table of incidents, one row each. Every cell goes through
// tprintf, so that a tab or newline in a title cannot forge a column or a row.
func printIncidents(w io.Writer, ins []signal.Incident) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tOPENED\tSERVICES\tTOP HYPOTHESIS\tTITLE")
	for _, in := range ins {
		top := "-"
		if len(in.Hypotheses) > 0 {
			top = where(in.Hypotheses[0])
		}
		tprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", in.ID, in.Status,
			in.OpenedAt.Local().Format("01-02 15:04:05"), strings.Join(in.Services, ","), top,
			in.Title)
	}
	tw.Flush()
}

// PrintIncident renders one incident for a terminal. Times are local; the first one of
// each calendar day carries its date, so an incident that spans midnight, or one read the
// next morning, is not misread. Text from the incident goes through tprintf.
func PrintIncident(w io.Writer, in *signal.Incident) {
	var c clock
	tprintf(w, "Incident %d: %s\n", in.ID, in.Title)
	tprintf(w, "  status:    %s\n  services:  %s\n", in.Status, strings.Join(in.Services, ", "))
	tprintf(w, "  first signal %s, detected %s", c.ts(in.FirstSignalAt), c.ts(in.DetectedAt))
	if !in.ResolvedAt.IsZero() {
		tprintf(w, ", resolved %s", c.ts(in.ResolvedAt))
	}
	fmt.Fprintln(w)

	fmt.Fprintln(w, "\nHypotheses:")
	for _, h := range in.Hypotheses {
		tprintf(w, "  %d. [%.2f] %s: %s\n", h.Rank, h.Score, where(h), h.Explanation)
		for _, e := range h.Evidence {
			tprintf(w, "       - %s %s %s (%s) signal %d\n", c.ts(e.At), e.Kind, e.Name,
				e.Detail, e.SignalID)
		}
	}

	fmt.Fprintln(w, "\n"+timelineHeader)
	for _, e := range in.Timeline {
		tprintf(w, "  %s  %-12s %s%s\n", c.ts(e.At), e.Type, e.Text, c.recorded(e))
	}
}

// timelineHeader says which clock the rows show; docs list it per row type.
const timelineHeader = "Timeline (in CEREBRO's order; times are the source's, " +
	"CEREBRO's for opened and diagnosed):"

// recordedGap is how far a row's event time may be from CEREBRO's time of recording it
// before the row shows both. Below it the gap is the pipeline's own latency; above it,
// delivery delay (Alertmanager's group_wait), a late copy or a source clock that drifts.
const recordedGap = time.Second

// recorded is " (recorded TIME)" when the row's recorded time is known and recordedGap or
// more from its event time, else "".
func (c *clock) recorded(e signal.Entry) string {
	d := e.RecordedAt.Sub(e.At)
	if e.RecordedAt.IsZero() || (d < recordedGap && d > -recordedGap) {
		return ""
	}
	return " (recorded " + c.ts(e.RecordedAt) + ")"
}

// where names a hypothesis by its kind and service; a symptom hypothesis has no service.
func where(h signal.Hypothesis) string {
	if h.Service == "" {
		return h.Kind
	}
	return h.Kind + " on " + h.Service
}

// clock formats times of one rendering: the time of day, with the date in front when it
// is not the date of the time printed before.
type clock struct{ day string }

func (c *clock) ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.Local()
	if day := t.Format("2006-01-02"); day != c.day {
		c.day = day
		return t.Format("2006-01-02 15:04:05.000")
	}
	return t.Format("15:04:05.000")
}

package cli

import (
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// newBar is a progress bar on w that draws only when w is a terminal: redirected to a
// file or a CI log, the redraws were dozens of carriage-return lines and a last frame
// that looked stuck short of the end.
func newBar(w io.Writer, total int, desc string,
	opts ...progressbar.Option) *progressbar.ProgressBar {
	f, ok := w.(*os.File)
	visible := ok && term.IsTerminal(int(f.Fd()))
	opts = append([]progressbar.Option{progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc), progressbar.OptionClearOnFinish(),
		progressbar.OptionSetVisibility(visible)}, opts...)
	return progressbar.NewOptions(total, opts...)
}

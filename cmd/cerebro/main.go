// Command cerebro is the CEREBRO AIOps engine: server, demo, lab, evaluations and
// benchmarks in one binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cerebro-aiops/cerebro/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := cli.Root().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cerebro:", err)
		os.Exit(1)
	}
}

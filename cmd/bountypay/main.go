// Command bountypay is the reward payout and compliance worker of Plex's
// security bug-bounty program. Run "bountypay help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bountypay:", oneLine(err))
		os.Exit(exitCode(err))
	}
}

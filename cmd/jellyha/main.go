// Command jellyha is a Jellyfin-compatible media server that keeps its state
// in Jellyfin's own database schema, on SQLite or on PostgreSQL for several
// replicas. See "jellyha help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/jellyha/jellyha/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

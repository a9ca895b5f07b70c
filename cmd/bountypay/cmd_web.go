package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/web"
)

// cmdWeb serves the finance and compliance pages and the JSON API until
// ctx ends (SIGINT/SIGTERM), letting requests in progress finish.
func cmdWeb(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	c := a.cfg
	users, addr := c.webUsers, c.webAddr
	cfg := web.Config{Users: users, MaxListAge: c.maxListAge, Logger: a.log, Approval: c.approval()}
	if len(users) == 0 {
		switch {
		case !c.insecureLocal:
			return &exitError{2, errors.New("web: no BOUNTYPAY_WEB_TOKENS configured (name:token,name2:token2): refusing to start; use --insecure-local on a loopback address for a local, single-person session")}
		case !web.IsLoopbackAddr(addr):
			return &exitError{2, fmt.Errorf("web: --insecure-local needs a loopback --addr (127.0.0.1:PORT, [::1]:PORT or localhost:PORT), not %q", addr)}
		case c.localUser == "":
			return &exitError{2, errors.New("web: --insecure-local needs --local-user NAME (the person recorded for decisions)")}
		}
		cfg.LocalUser = c.localUser
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	srv, err := web.New(cfg, storeadapt.Web(st), a.screening(st))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("web: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 10 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	mode := fmt.Sprintf("%d user(s) with tokens", len(users))
	if cfg.LocalUser != "" {
		mode = "INSECURE local mode: no login, acting as " + cfg.LocalUser
	}
	fmt.Fprintf(a.stdout, "bountypay web: serving http://%s (%s; database %s)\n", ln.Addr(), mode, st.Where)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	fmt.Fprintln(a.stdout, "bountypay web: stopped")
	return nil
}

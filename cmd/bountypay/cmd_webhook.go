package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
)

// DefaultWebhookPath is where the PayPal webhook handler is mounted.
const DefaultWebhookPath = "/webhooks/paypal"

// webhookHandler builds the PayPal webhook handler from the environment:
// PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET and PAYPAL_WEBHOOK_ID
// (the id PayPal gave the webhook registered for this URL). Signing
// certificates are fetched only from PayPal's hosts and from the API base
// host itself (so a local bountypay paypal-sandbox works).
func (a *app) webhookHandler(ctx context.Context) (http.Handler, error) {
	base, id := a.getenv("PAYPAL_API_BASE"), a.getenv("PAYPAL_WEBHOOK_ID")
	if base == "" || id == "" {
		return nil, errors.New("webhooks need PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET and PAYPAL_WEBHOOK_ID")
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("PAYPAL_API_BASE: %w", err)
	}
	hosts := paypal.DefaultCertHosts()
	if u.Scheme == "http" {
		hosts = append(hosts, "http://"+u.Host)
	} else if u.Host != "" {
		hosts = append(hosts, u.Host)
	}
	pp, err := paypal.NewClient(paypal.Config{
		ClientID: a.getenv("PAYPAL_CLIENT_ID"), Secret: a.getenv("PAYPAL_SECRET"), APIBase: base,
		WebhookID: id, CertHosts: hosts, Logger: a.log,
		Timeout: envDuration(a.getenv, "PAYPAL_TIMEOUT", 30*time.Second),
	})
	if err != nil {
		return nil, err
	}
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := a.payoutConfig()
	if err != nil {
		return nil, err
	}
	return payout.NewWebhookHandler(payout.NewSender(cfg, st, pp), pp, a.log), nil
}

func cmdWebhook(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || isHelp(args[0]) || args[0] != "serve" {
		return subcommandHelp(a, args, "webhook needs a subcommand: serve [--addr HOST:PORT] [--path PATH]")
	}
	fs := a.flags("webhook serve", "[flags]")
	addr := fs.String("addr", cmp.Or(a.getenv("BOUNTYPAY_WEBHOOK_ADDR"), "127.0.0.1:8090"), "listen `address` for PayPal webhooks (env BOUNTYPAY_WEBHOOK_ADDR)")
	path := fs.String("path", DefaultWebhookPath, "URL `path` of the webhook endpoint")
	if err := a.parse(fs, args[1:]); err != nil {
		return err
	}
	h, err := a.webhookHandler(ctx)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+*path, h)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", *addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(a.stdout, "bountypay webhooks: POST http://%s%s (SIGINT/SIGTERM stops)\n", ln.Addr(), strings.TrimRight(*path, "/"))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

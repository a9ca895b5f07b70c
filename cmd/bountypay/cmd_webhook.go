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

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
)

// DefaultWebhookPath is where the PayPal webhook handler is mounted.
const DefaultWebhookPath = "/webhooks/paypal"

// webhookHandler builds the PayPal webhook handler from the settings:
// PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET and PAYPAL_WEBHOOK_ID
// (the id PayPal gave the webhook registered for this URL). Signing
// certificates are fetched only from PayPal's hosts and from the API base
// host itself (so a local bountypay paypal-sandbox works).
func (a *app) webhookHandler(ctx context.Context) (http.Handler, error) {
	c := a.cfg
	base, id := c.paypalAPIBase, c.paypalWebhookID
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
		ClientID: c.paypalClientID, Secret: c.paypalSecret, APIBase: base,
		WebhookID: id, CertHosts: hosts, Logger: a.log, Timeout: c.paypalTimeout,
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
	return payout.NewWebhookHandler(payout.NewSender(cfg, storeadapt.Payout(st), pp), pp, a.log), nil
}

func webhookServe(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	path := fs.String("path", DefaultWebhookPath, "URL `path` of the webhook endpoint")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	addr := cmp.Or(a.cfg.webhookAddr, defaultWebhookAddr)
	h, err := a.webhookHandler(ctx)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+*path, h)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--addr %s: %w", addr, err)
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

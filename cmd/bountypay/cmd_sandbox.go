package main

import (
	"context"
	"fmt"

	"github.com/plex/bountypay/internal/paypalsandbox"
)

func cmdSandbox(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	addr := fs.String("addr", "127.0.0.1:8099", "listen `address` (HOST:PORT; port 0 picks a free one)")
	id := fs.String("client-id", "", "accept only this client `id` (default: any)")
	secret := fs.String("secret", "", "accept only this client `secret` (default: any)")
	webhook := fs.String("webhook-url", "", "deliver signed webhooks to this `URL`")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	sb := paypalsandbox.New(paypalsandbox.Config{ClientID: *id, Secret: *secret, WebhookURL: *webhook, Logger: a.log})
	return sb.ListenAndServe(ctx, *addr, func(base string) {
		fmt.Fprintf(a.stdout, "PayPal sandbox listening on %s (PAYPAL_API_BASE=%s); webhook id %s; Ctrl-C stops it\n", base, base, sb.WebhookID())
	})
}

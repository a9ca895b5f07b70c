// Package paypalsandbox is a local, faithful PayPal Payouts API for tests,
// `bountypay demo` and `bountypay paypal-sandbox`.
//
// It serves PayPal's endpoints (OAuth token, create/get batch, get/cancel
// item, webhook signature verification and the webhook signing cert) with
// PayPal's validation, error bodies, sender_batch_id de-duplication,
// balances, fees and PayPal's asynchronous processing on an injectable
// clock, sends signed webhooks, and lets tests script faults (errors,
// hangs, resets, truncated bodies, rate limits, token expiry) per call.
// Its own endpoints under /sandbox/ inspect and drive it. See README.md in
// this directory for what it reproduces and for the HTTP API.
//
// Money is handled as integer minor units with PayPal's decimals (0 for
// HUF, JPY and TWD, 2 otherwise), never as floats.
package paypalsandbox

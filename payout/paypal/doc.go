// Package paypal is bountypay's adapter over PayPal Payouts, built on
// github.com/plutov/paypal/v4 (v4.8.0) and hardened against its pitfalls
// (each is named where it is handled, and tested against the local
// sandbox in internal/paypalsandbox).
//
// A Client creates payout batches, reads batches (all pages) and items,
// cancels unclaimed items and verifies webhook signatures offline. Every
// outcome is classified at this boundary so that callers never match on
// error text:
//
//   - CreateBatch returns Created for a new batch and also for a duplicate
//     sender_batch_id whose error links the existing batch (Duplicate is
//     then true; the caller must GET the batch and compare it with its
//     intent before adopting it).
//   - Errors whose outcome is unknown (timeouts, connection resets, 5xx,
//     429, non-JSON bodies, an undecodable 2xx) match models.ErrTransient:
//     re-send the identical request with the same sender_batch_id.
//   - Requests PayPal definitively refused because they are wrong
//     (VALIDATION_ERROR, DUPLICATE_ITEM) match models.ErrInvalid.
//   - Sender/account problems (403, 422 INSUFFICIENT_FUNDS,
//     NON_HOLDING_CURRENCY) are *APIError values whose OperatorProblem and
//     NothingCreated report true; they also match models.ErrTransient
//     because the right action is to hold, alert and retry later with the
//     same sender_batch_id.
//   - A duplicate without a link matches ErrDuplicateNoLink and
//     models.ErrConflict: reconcile by hand, never with a new id.
//
// The package logs ids only (batch, item, debug and event ids), never
// receivers, names, tokens or secrets.
//
// Plex Pass entitlements are granted by package payout/entitlement.
package paypal

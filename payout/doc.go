// Package payout sends awards exactly once: money through PayPal Payouts
// and Plex passes from a code pool, and reconciles what PayPal reports.
//
// Every send is written ahead: the attempt, with a deterministic
// sender_batch_id and its request frozen, is stored and the award moves to
// sending before PayPal is called. An answer that does not say what
// happened (timeout, connection reset, 5xx, an unreadable body) leaves the
// attempt unknown; the next run sends the identical request again, which
// PayPal deduplicates on sender_batch_id for 30 days. A duplicate answer is
// adopted only after the linked batch's items match the attempt. A new
// attempt is made only when PayPal has confirmed that no money moved.
package payout

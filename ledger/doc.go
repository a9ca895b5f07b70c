// Package ledger is bountypay's append-only, double-entry audit journal.
//
// Every entry has a sequence number, an idempotency key with a hash of its
// inputs (reusing a key with other content is a conflict), an event kind,
// the award it concerns, the actor, effective and recorded times, the hash
// of the previous entry and its own SHA-256 hash over a canonical encoding.
// Entries that move value carry postings that balance per asset (each
// currency, and PASS for Plex passes). Corrections are new entries.
//
// The package is pure: it builds, hashes and verifies entries. The store
// package persists them and serialises appends.
package ledger

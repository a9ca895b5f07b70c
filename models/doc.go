// Package models holds bountypay's domain types: researchers and their
// payee versions, reports, awards, their states and the one transition
// table, money in integer minor units, identities with their roles and the
// one permission table, and the error kinds every other package uses.
//
// Award states (see DESIGN.md):
//
//	pending ─▶ rejected                                   (terminal)
//	   │
//	   ▼
//	awaiting_approval ─▶ cancelled                        (terminal)
//	   │
//	   ▼
//	ready_to_screen ─▶ held (review) ─▶ blocked           (terminal)
//	   │                  │
//	   ▼                  ▼ (cleared by compliance)
//	cleared ─▶ sending ─▶ sent ─▶ paid | granted | fulfilled
//	                │        │
//	                │        └─▶ unclaimed ─▶ returned ─▶ cleared | cancelled
//	                └─▶ failed ─▶ cleared (new attempt) | cancelled
//
// A confirmed sanctions match blocks every award of the payee from which
// value has not left: pending, awaiting_approval, ready_to_screen, held,
// cleared, failed and returned all lead to blocked.
//
// Besides DESIGN.md's states there are three for money that PayPal holds or
// took back: on_hold (PayPal ONHOLD/BLOCKED), reversed (REFUNDED/REVERSED
// after SUCCESS, flagged for finance, never paid again automatically) and
// needs_reconciliation (an attempt whose outcome no machine can settle).
//
// This package imports only the standard library.
package models

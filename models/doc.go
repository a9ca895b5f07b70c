// Package models holds bountypay's domain types: researchers, reports,
// awards, their states and the one transition table, money in integer minor
// units, and the error kinds every other package uses.
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
// Besides DESIGN.md's states there are three for money that PayPal holds or
// took back: on_hold (PayPal ONHOLD/BLOCKED), reversed (REFUNDED/REVERSED
// after SUCCESS, flagged for finance, never paid again automatically) and
// needs_reconciliation (an attempt whose outcome no machine can settle).
//
// This package imports only the standard library.
package models

package models

// AwardState is where an award is in its life. Persisted values are
// append-only: never rename or remove one.
type AwardState string

// The award states. See the package documentation for the diagram.
const (
	StatePending             AwardState = "pending"              // decided, not yet checked for approvals
	StateRejected            AwardState = "rejected"             // the policy gives nothing (terminal)
	StateAwaitingApproval    AwardState = "awaiting_approval"    // needs maker-checker approvals
	StateCancelled           AwardState = "cancelled"            // withdrawn by finance (terminal)
	StateReadyToScreen       AwardState = "ready_to_screen"      // approved; screen right before value leaves
	StateHeld                AwardState = "held"                 // screening needs a person (or the list is stale)
	StateBlocked             AwardState = "blocked"              // sanctioned: never paid (terminal)
	StateCleared             AwardState = "cleared"              // screened clear; may be sent
	StateSending             AwardState = "sending"              // attempt written, PayPal/granter call in progress or unknown
	StateSent                AwardState = "sent"                 // PayPal accepted the batch; item not final
	StatePaid                AwardState = "paid"                 // PayPal item SUCCESS (terminal unless reversed)
	StateGranted             AwardState = "granted"              // pass granted (terminal)
	StateFulfilled           AwardState = "fulfilled"            // other reward handed over (terminal)
	StateUnclaimed           AwardState = "unclaimed"            // PayPal holds the money for the receiver
	StateReturned            AwardState = "returned"             // unclaimed money came back
	StateFailed              AwardState = "failed"               // PayPal confirmed no money moved
	StateOnHold              AwardState = "on_hold"              // PayPal ONHOLD or BLOCKED the item
	StateReversed            AwardState = "reversed"             // REFUNDED or REVERSED after SUCCESS; finance decides
	StateNeedsReconciliation AwardState = "needs_reconciliation" // outcome unknown to machines; finance reconciles
)

// AllAwardStates lists every state in lifecycle order.
func AllAwardStates() []AwardState {
	return []AwardState{
		StatePending, StateRejected, StateAwaitingApproval, StateCancelled,
		StateReadyToScreen, StateHeld, StateBlocked, StateCleared, StateSending,
		StateSent, StatePaid, StateGranted, StateFulfilled, StateUnclaimed,
		StateReturned, StateFailed, StateOnHold, StateReversed,
		StateNeedsReconciliation,
	}
}

// transitions is the one table of legal award state changes.
var transitions = map[AwardState][]AwardState{
	// A confirmed sanctions match blocks every unsent award of the payee,
	// wherever it is.
	StatePending:          {StateRejected, StateAwaitingApproval, StateReadyToScreen, StateCancelled, StateBlocked},
	StateAwaitingApproval: {StateReadyToScreen, StateCancelled, StateBlocked},
	StateReadyToScreen:    {StateCleared, StateHeld, StateBlocked, StateCancelled, StateAwaitingApproval},
	StateHeld:             {StateCleared, StateBlocked, StateReadyToScreen, StateCancelled},
	// A cleared award is screened again right before sending: a new list can
	// hold or block it, and a changed award can need approvals again.
	StateCleared: {StateSending, StateHeld, StateBlocked, StateReadyToScreen, StateCancelled, StateAwaitingApproval},
	StateSending: {StateSent, StateGranted, StateFulfilled, StateFailed, StateNeedsReconciliation},
	StateSent: {StatePaid, StateUnclaimed, StateFailed, StateReturned, StateOnHold,
		StateNeedsReconciliation},
	StateUnclaimed:           {StatePaid, StateReturned, StateFailed},
	StateOnHold:              {StatePaid, StateFailed, StateReturned, StateUnclaimed, StateNeedsReconciliation},
	StateReturned:            {StateCleared, StateCancelled, StateReadyToScreen, StateBlocked},
	StateFailed:              {StateCleared, StateCancelled, StateReadyToScreen, StateBlocked},
	StatePaid:                {StateReversed},
	StateNeedsReconciliation: {StatePaid, StateFailed, StateSent, StateCancelled, StateUnclaimed, StateReturned},
	StateReversed:            {StateCancelled},
}

// CanTransition reports whether the table allows from -> to.
func CanTransition(from, to AwardState) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// CheckTransition returns a *TransitionError when from -> to is illegal.
func CheckTransition(awardID string, from, to AwardState) error {
	if !CanTransition(from, to) {
		return &TransitionError{AwardID: awardID, From: from, To: to}
	}
	return nil
}

// Terminal reports whether no transition leaves s. Paid is not terminal:
// PayPal can still reverse it.
func (s AwardState) Terminal() bool { return len(transitions[s]) == 0 }

// Valid reports whether s is a known state.
func (s AwardState) Valid() bool {
	for _, v := range AllAwardStates() {
		if v == s {
			return true
		}
	}
	return false
}

// UnsentStates are the award states from which value has not left: a
// payee change holds them and a confirmed sanctions match blocks them.
func UnsentStates() []AwardState {
	return []AwardState{StatePending, StateAwaitingApproval, StateReadyToScreen, StateHeld, StateCleared, StateFailed, StateReturned}
}

package ledger

// Approval entry data keys: an approval is an entry of kind approval whose
// actor is the approver (worker.Approve writes it; store lists them).
const (
	ApprovalContentHash = "content_hash"
	ApprovalReason      = "reason"
)

package ledger

import (
	"encoding/hex"
	"time"

	"github.com/plex/bountypay/models"
)

// ContentHash is the hash of what an approval approves: the award's
// payee version (its number and the hash of its details, receiver
// included), kind, asset, amount, description, report and policy version.
// Any change gives another hash, so approvals of the old content no longer
// count.
func ContentHash(a *models.Award, payeeHash string) string {
	e := getEncoder()
	defer e.free()
	e.str("award-content-v2")
	e.str(a.ID)
	e.str(a.ReportID)
	e.str(a.ResearcherID)
	e.int(int64(a.PayeeVersion))
	e.str(payeeHash)
	e.str(string(a.Kind))
	e.str(a.Asset())
	e.int(units(a))
	e.str(a.Description)
	e.str(a.PolicyVersion)
	h := e.sum()
	return hex.EncodeToString(h[:])
}

// Receiver is where an award goes: the PayPal receiver for money, the Plex
// account for a pass, the e-mail address for other rewards.
func Receiver(a *models.Award, r models.Researcher) string {
	switch a.Kind {
	case models.AwardMoney:
		return r.PayPalReceiver
	case models.AwardPlexPass:
		return r.PlexAccount
	}
	return r.Email
}

// Approval entry data keys.
const (
	ApprovalContentHash = "content_hash"
	ApprovalReason      = "reason"
)

// ApprovalDraft is the ledger entry of one approval (no postings): the
// approver is the actor, bound to the award's content hash.
func ApprovalDraft(awardID, contentHash, approver, reason string, at time.Time) Draft {
	return Draft{
		IdempotencyKey: "approval/" + awardID + "/" + contentHash[:16] + "/" + approver,
		Kind:           KindApproval, AwardID: awardID, Actor: approver, EffectiveAt: at,
		Data: map[string]string{ApprovalContentHash: contentHash, ApprovalReason: reason},
	}
}

package web

import (
	"net/http"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// The JSON API: the same data as the pages, the same authentication.
// Field names are snake_case and only ever added.

// apiAward is an award in the API.
type apiAward struct {
	ID            string            `json:"id"`
	ReportID      string            `json:"report_id"`
	ResearcherID  string            `json:"researcher_id"`
	Kind          models.AwardKind  `json:"kind"`
	Asset         string            `json:"asset"`
	AmountMinor   int64             `json:"amount_minor"` // minor units; 1 for a pass or other reward
	Amount        string            `json:"amount"`       // decimal, e.g. "1500.00"
	Description   string            `json:"description,omitempty"`
	State         models.AwardState `json:"state"`
	Reason        string            `json:"reason"`
	PolicyVersion string            `json:"policy_version"`
	Attempt       int               `json:"attempt"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
}

func toAPIAward(a models.Award) apiAward {
	u := unitsOf(a)
	return apiAward{ID: a.ID, ReportID: a.ReportID, ResearcherID: a.ResearcherID, Kind: a.Kind, Asset: a.Asset(),
		AmountMinor: u, Amount: ledger.FormatUnits(u, a.Asset()), Description: a.Description, State: a.State,
		Reason: a.Reason, PolicyVersion: a.PolicyVersion, Attempt: a.Attempt, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// GET /api/awards[?state=S[,S…]]: {"awards": [...], "truncated": bool}.
func (s *Server) apiAwards(w http.ResponseWriter, r *http.Request, _ *principal) error {
	states, err := parseStates(r.URL.Query())
	if err != nil {
		return err
	}
	as, err := s.store.Awards(r.Context(), models.AwardFilter{States: states, Limit: s.cfg.MaxAwards + 1})
	if err != nil {
		return err
	}
	truncated := len(as) > s.cfg.MaxAwards
	if truncated {
		as = as[:s.cfg.MaxAwards]
	}
	out := make([]apiAward, 0, len(as))
	for _, a := range as {
		out = append(out, toAPIAward(a))
	}
	writeJSON(w, http.StatusOK, map[string]any{"awards": out, "truncated": truncated})
	return nil
}

type apiReport struct {
	ID             string              `json:"id"`
	Title          string              `json:"title"`
	Category       models.Category     `json:"category"`
	Severity       models.Severity     `json:"severity"`
	Status         models.ReportStatus `json:"status"`
	Reproduced     bool                `json:"reproduced"`
	ApprovedBy     string              `json:"approved_by,omitempty"`
	ApprovedAt     time.Time           `json:"approved_at"`
	ImportedBy     string              `json:"imported_by"`
	ImportedAt     time.Time           `json:"imported_at"`
	Decision       string              `json:"decision"`
	DecisionReason string              `json:"decision_reason,omitempty"`
	PolicyVersion  string              `json:"policy_version,omitempty"`
}

// apiPayee is what compliance needs of a payee (no e-mail, no birth date).
type apiPayee struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Country        string `json:"country"`
	Region         string `json:"region,omitempty"`
	City           string `json:"city,omitempty"`
	PayPalReceiver string `json:"paypal_receiver,omitempty"`
	PlexAccount    string `json:"plex_account,omitempty"`
}

func toAPIPayee(r models.Researcher) apiPayee {
	return apiPayee{ID: r.ID, Name: r.Name, Country: r.Country, Region: r.Region, City: r.City,
		PayPalReceiver: r.PayPalReceiver, PlexAccount: r.PlexAccount}
}

// apiAttempt is a send attempt without its frozen request body.
type apiAttempt struct {
	SenderBatchID     string               `json:"sender_batch_id"`
	Attempt           int                  `json:"attempt"`
	Channel           string               `json:"channel"`
	Receiver          string               `json:"receiver"`
	AmountMinor       int64                `json:"amount_minor"`
	Currency          string               `json:"currency"`
	Status            models.AttemptStatus `json:"status"`
	PayoutBatchID     string               `json:"payout_batch_id,omitempty"`
	PayoutItemID      string               `json:"payout_item_id,omitempty"`
	TransactionStatus string               `json:"transaction_status,omitempty"`
	FeeMinor          int64                `json:"fee_minor"`
	LastError         string               `json:"last_error,omitempty"`
	Submissions       int                  `json:"submissions"`
	CreatedAt         time.Time            `json:"created_at"`
	UpdatedAt         time.Time            `json:"updated_at"`
}

type apiScreening struct {
	ID         int64             `json:"id"`
	ListSHA256 string            `json:"list_sha256"`
	Decision   string            `json:"decision"`
	Score      float64           `json:"score"`
	ScreenedAt time.Time         `json:"screened_at"`
	Result     compliance.Result `json:"result"`
}

func toAPIScreening(v *screeningView) *apiScreening {
	if v == nil {
		return nil
	}
	return &apiScreening{ID: v.ID, ListSHA256: v.ListSHA256, Decision: v.Decision, Score: v.Score,
		ScreenedAt: v.ScreenedAt.UTC(), Result: v.Result}
}

type apiApproval struct {
	Seq         int64     `json:"seq"`
	Approver    string    `json:"approver"`
	ContentHash string    `json:"content_hash"`
	Reason      string    `json:"reason,omitempty"`
	At          time.Time `json:"at"`
}

// GET /api/awards/{id}: the award with its report, payee, attempts,
// approvals, latest screening and ledger entries.
func (s *Server) apiAward(w http.ResponseWriter, r *http.Request, _ *principal) error {
	v, err := s.loadAward(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := map[string]any{"award": toAPIAward(v.Award), "payee": toAPIPayee(v.Researcher),
		"screening": toAPIScreening(v.Screening), "ledger": v.Entries}
	if v.HasReport {
		rp := v.Report
		out["report"] = apiReport{ID: rp.ID, Title: rp.Title, Category: rp.Category, Severity: rp.Severity, Status: rp.Status,
			Reproduced: rp.Reproduced, ApprovedBy: rp.ApprovedBy, ApprovedAt: rp.ApprovedAt, ImportedBy: rp.ImportedBy,
			ImportedAt: rp.ImportedAt, Decision: rp.Decision, DecisionReason: rp.DecisionReason, PolicyVersion: rp.PolicyVersion}
	}
	atts := make([]apiAttempt, 0, len(v.Attempts))
	for _, a := range v.Attempts {
		atts = append(atts, apiAttempt{SenderBatchID: a.SenderBatchID, Attempt: a.Attempt, Channel: a.Channel, Receiver: a.Receiver,
			AmountMinor: a.AmountMinor, Currency: a.Currency, Status: a.Status, PayoutBatchID: a.PayoutBatchID,
			PayoutItemID: a.PayoutItemID, TransactionStatus: a.TransactionStatus, FeeMinor: a.FeeMinor, LastError: a.LastError,
			Submissions: a.Submissions, CreatedAt: a.CreatedAt.UTC(), UpdatedAt: a.UpdatedAt.UTC()})
	}
	out["attempts"] = atts
	aps := make([]apiApproval, 0, len(v.Approvals))
	for _, a := range v.Approvals {
		aps = append(aps, apiApproval{Seq: a.Seq, Approver: a.Approver, ContentHash: a.ContentHash, Reason: a.Reason, At: a.At.UTC()})
	}
	out["approvals"] = aps
	writeJSON(w, http.StatusOK, out)
	return nil
}

// GET /api/review: awards held for compliance with their latest screening.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, _ *principal) error {
	held, err := s.screening.HeldAwards(r.Context())
	if err != nil {
		return err
	}
	type item struct {
		Award     apiAward      `json:"award"`
		Payee     apiPayee      `json:"payee"`
		Screening *apiScreening `json:"screening"`
	}
	out := make([]item, 0, len(held))
	for _, h := range held {
		it := item{Award: toAPIAward(h.Award), Payee: toAPIPayee(h.Payee)}
		if h.Screening.ID != 0 {
			it.Screening = toAPIScreening(&screeningView{Screening: h.Screening, Result: h.Result})
		}
		out = append(out, it)
	}
	writeJSON(w, http.StatusOK, map[string]any{"held": out})
	return nil
}

// GET or POST /api/ledger/verify: recompute the chain, balances, head
// anchor and seals now. 200 with "ok": false and "bad_seq" when the
// ledger does not verify.
func (s *Server) apiVerify(w http.ResponseWriter, r *http.Request, p *principal) error {
	res, err := s.verify(r.Context(), p.user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

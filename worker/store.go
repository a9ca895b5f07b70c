package worker

import (
	"context"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Store is the persistence the worker uses: reports, awards, payee
// versions, screenings, approvals and the ledger. The database adapter
// implements it (cmd/bountypay wires it through internal/storeadapt).
type Store interface {
	// InTx runs fn in one transaction, committing when it returns nil.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	Award(ctx context.Context, id string) (models.Award, error)
	Awards(ctx context.Context, f models.AwardFilter) ([]models.Award, error)
	Researcher(ctx context.Context, id string) (models.Researcher, error)
	UndecidedReports(ctx context.Context, limit int) ([]models.StoredReport, error)
	CurrentList(ctx context.Context) (models.ListVersion, error)
	ListFiles(ctx context.Context, listID int64) ([]models.ListFile, error)
	LatestScreening(ctx context.Context, awardID string) (models.Screening, error)
	LatestBindingScreenings(ctx context.Context, ids []string) (map[string]models.Screening, error)
	OpenAttempts(ctx context.Context, now time.Time, limit int) ([]models.Attempt, error)
}

// Tx is what the worker does inside one transaction. Every award state
// change goes through Transition (the transition table, the posting rule
// and the ledger entry together).
type Tx interface {
	Now() time.Time
	Append(d ledger.Draft) (ledger.Entry, bool, error)
	Award(id string) (models.Award, error)
	InsertAward(a *models.Award, d ledger.Draft) error
	Transition(a *models.Award, to models.AwardState, reason string, d ledger.Draft, mutate func(*models.Award)) error
	UnsentAwards(researcherID string) ([]models.Award, error)
	AwardEntries(awardID string, kind ledger.Kind) ([]ledger.Entry, error)
	MarkDecided(reportID, decision, reason, policyVersion string) error

	Payee(researcherID string) (models.PayeeState, error)
	PayeeVersions(researcherID string) ([]models.PayeeVersion, error)
	ResearchersSharing(researcherID string, r models.Researcher) ([]string, error)
	TaxForm(researcherID string) (models.TaxForm, error)

	CurrentList() (models.ListVersion, error)
	InsertScreening(sc *models.Screening) error
	LatestScreening(awardID string) (models.Screening, error)
	LatestBindingScreening(awardID string) (models.Screening, error)
	Dispositions(researcherID string) ([]models.Disposition, error)
	SaveDisposition(d *models.Disposition) error

	// Authorize returns the configured identity by if it may do act.
	Authorize(by string, act models.Action) (models.Identity, error)
	AwardMakers(a *models.Award) (models.Makers, error)
	Approvals(awardID string) ([]models.Approval, error)
	WindowTotal(researcherIDs []string, kind models.AwardKind, currency string, from, to time.Time) (int64, []string, error)
}

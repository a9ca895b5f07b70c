package web

import (
	"context"

	"github.com/plex/bountypay/finance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/worker"
)

// Store is what the pages and the API read and change: everything the
// worker's rules need (approvals and review go through the worker), and
// the ledger and finance reports. The database adapter implements it
// (internal/storeadapt).
type Store interface {
	worker.Store
	finance.Store
	CountAwardsByState(ctx context.Context) (map[models.AwardState]int, error)
	Reports(ctx context.Context) ([]models.StoredReport, error)
	ImportReports(ctx context.Context, file string, recs []models.ImportRecord, importer string) (models.ImportResult, error)
	AttemptsForAward(ctx context.Context, awardID string) ([]models.Attempt, error)
	Approvals(ctx context.Context, awardID string) ([]models.Approval, error)
	Identity(ctx context.Context, name string) (models.Identity, error)

	LedgerHead(ctx context.Context) (ledger.Head, error)
	LedgerEntriesForAward(ctx context.Context, awardID string) ([]ledger.Entry, error)
	EachLedgerEntry(ctx context.Context, from int64, fn func(e ledger.Entry, decodeErr error) error) error
	VerifyLedger(ctx context.Context) (*ledger.Verifier, error)
}

// Package storeadapt gives each consumer the store through the interface
// it declares: the sender's payout.Store, the worker's worker.Store and
// the web server's web.Store. Consumers never see *store.Store;
// the command and the tests wire them with these adapters.
package storeadapt

import (
	"context"

	"github.com/plex/bountypay/finance"

	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
	"github.com/plex/bountypay/web"
	"github.com/plex/bountypay/worker"
)

// payoutStore is the store as payout.Store: its transactions are
// *store.Tx, which implements payout.Tx.
type payoutStore struct{ *store.Store }

var (
	_ payout.Store = payoutStore{}
	_ payout.Tx    = (*store.Tx)(nil)
)

func (p payoutStore) InTx(ctx context.Context, fn func(payout.Tx) error) error {
	return p.Store.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

// Payout returns st as the sender's store.
func Payout(st *store.Store) payout.Store { return payoutStore{st} }

// workerStore is the store as worker.Store: its transactions are
// *store.Tx, which implements worker.Tx.
type workerStore struct{ *store.Store }

var (
	_ worker.Store = workerStore{}
	_ worker.Tx    = (*store.Tx)(nil)
)

func (w workerStore) InTx(ctx context.Context, fn func(worker.Tx) error) error {
	return w.Store.InTx(ctx, func(tx *store.Tx) error { return fn(tx) })
}

// Worker returns st as the worker's store.
func Worker(st *store.Store) worker.Store { return workerStore{st} }

var (
	_ web.Store            = workerStore{}
	_ finance.Store        = (*store.Store)(nil)
	_ finance.AttemptStore = (*store.Store)(nil)
)

// Web returns st as the web server's store (the worker's store and the
// ledger and finance reports).
func Web(st *store.Store) web.Store { return workerStore{st} }

package paypalsandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// stateVersion is the format of SaveState's JSON.
const stateVersion = 1

// The persisted form of the sandbox's money state: batches with their
// items, balances and the clock offset. Tokens, faults, webhooks and logs
// are not kept.
type stateFile struct {
	Version  int              `json:"version"`
	SavedAt  time.Time        `json:"saved_at"`
	Offset   time.Duration    `json:"offset"`
	Balances map[string]int64 `json:"balances"`
	Batches  []stateBatch     `json:"batches"`
}

type stateBatch struct {
	ID            string      `json:"id"`
	Account       string      `json:"account"`
	SenderBatchID string      `json:"sender_batch_id"`
	Header        reqHeader   `json:"header"`
	Status        string      `json:"status"`
	Created       time.Time   `json:"created"`
	ProcessingAt  time.Time   `json:"processing_at"`
	Completed     time.Time   `json:"completed"`
	Decided       bool        `json:"decided"`
	Currency      string      `json:"currency"`
	Items         []stateItem `json:"items"`
}

type stateItem struct {
	ID           string    `json:"id"`
	Recipient    string    `json:"recipient"`
	Receiver     string    `json:"receiver"`
	Currency     string    `json:"currency"`
	Amount       int64     `json:"amount"`
	Note         string    `json:"note"`
	SenderItemID string    `json:"sender_item_id"`
	Wallet       string    `json:"wallet"`
	Purpose      string    `json:"purpose"`
	Status       string    `json:"status"`
	Fee          int64     `json:"fee"`
	TxnID        string    `json:"txn_id"`
	ActivityID   string    `json:"activity_id"`
	Processed    time.Time `json:"processed"`
	ErrName      string    `json:"err_name"`
	ErrMessage   string    `json:"err_message"`
	ReturnAt     time.Time `json:"return_at"`
	Cancelled    bool      `json:"cancelled"`
}

// SaveState writes the sandbox's batches, items, balances and clock
// offset as JSON, so a later sandbox can LoadState and answer for batches
// created before (the demo keeps it in its data directory).
func (s *Sandbox) SaveState(w io.Writer) error {
	s.mu.Lock()
	st := stateFile{Version: stateVersion, SavedAt: s.nowLocked(), Offset: s.offset, Balances: map[string]int64{}}
	for k, v := range s.balances {
		st.Balances[k] = v
	}
	for _, b := range s.batchList {
		sb := stateBatch{ID: b.id, Account: b.account, SenderBatchID: b.senderBatchID, Header: b.header,
			Status: b.status, Created: b.created, ProcessingAt: b.processingAt, Completed: b.completed,
			Decided: b.decided, Currency: b.currency}
		for _, it := range b.items {
			sb.Items = append(sb.Items, stateItem{ID: it.id, Recipient: it.recipient, Receiver: it.receiver,
				Currency: it.currency, Amount: it.amount, Note: it.note, SenderItemID: it.senderItemID,
				Wallet: it.wallet, Purpose: it.purpose, Status: it.status, Fee: it.fee, TxnID: it.txnID,
				ActivityID: it.activityID, Processed: it.processed, ErrName: it.errName, ErrMessage: it.errMessage,
				ReturnAt: it.returnAt, Cancelled: it.cancelled})
		}
		st.Batches = append(st.Batches, sb)
	}
	s.mu.Unlock()
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(st)
}

// LoadState replaces the sandbox's batches, items, balances and clock
// offset with those SaveState wrote. Call it before serving.
func (s *Sandbox) LoadState(r io.Reader) error {
	var st stateFile
	if err := json.NewDecoder(r).Decode(&st); err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	if st.Version != stateVersion {
		return fmt.Errorf("sandbox state: version %d, want %d", st.Version, stateVersion)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset = st.Offset
	s.balances = map[string]int64{}
	for k, v := range st.Balances {
		s.balances[k] = v
	}
	s.batches, s.items, s.unclaimed = map[string]*batch{}, map[string]*item{}, map[string]*item{}
	s.accounts, s.batchList, s.active = map[string]*account{}, nil, nil
	s.nextReturn = time.Time{}
	for _, sb := range st.Batches {
		b := &batch{id: sb.ID, account: sb.Account, senderBatchID: sb.SenderBatchID, header: sb.Header,
			status: sb.Status, created: sb.Created, processingAt: sb.ProcessingAt, completed: sb.Completed,
			decided: sb.Decided, currency: sb.Currency}
		for _, si := range sb.Items {
			it := &item{id: si.ID, batch: b, recipient: si.Recipient, receiver: si.Receiver, currency: si.Currency,
				amount: si.Amount, note: si.Note, senderItemID: si.SenderItemID, wallet: si.Wallet, purpose: si.Purpose,
				status: si.Status, fee: si.Fee, txnID: si.TxnID, activityID: si.ActivityID, processed: si.Processed,
				errName: si.ErrName, errMessage: si.ErrMessage, returnAt: si.ReturnAt, cancelled: si.Cancelled}
			b.items = append(b.items, it)
			s.items[it.id] = it
			if it.status == ItemUnclaimed {
				s.unclaimed[it.id] = it
				if s.nextReturn.IsZero() || it.returnAt.Before(s.nextReturn) {
					s.nextReturn = it.returnAt
				}
			}
		}
		s.storeBatchLocked(s.accountLocked(b.account), b)
		if b.completed.IsZero() {
			s.active = append(s.active, b)
		}
	}
	return nil
}

// LoadStateFile loads a state file; a missing file is no error.
func (s *Sandbox) LoadStateFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return s.LoadState(f)
}

// SaveStateFile writes the state atomically (temporary file, rename).
func (s *Sandbox) SaveStateFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sandbox-state-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := s.SaveState(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

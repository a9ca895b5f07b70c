package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/worker"
)

// reviewStore is an in-memory worker.Store with what compliance review
// reads and writes: awards, one payee, the latest screening, review
// decisions and the ledger. Unused methods are left nil.
type reviewStore struct {
	worker.Store
	tx *reviewTx
}

func (s *reviewStore) InTx(_ context.Context, fn func(worker.Tx) error) error { return fn(s.tx) }

type reviewTx struct {
	worker.Tx
	now        time.Time
	awards     map[string]models.Award
	payee      models.PayeeVersion
	screening  models.Screening
	disps      []models.Disposition
	entries    []ledger.Entry
	makers     models.Makers
	identities map[string]models.Identity
}

func (tx *reviewTx) Now() time.Time { return tx.now }
func (tx *reviewTx) Award(id string) (models.Award, error) {
	a, ok := tx.awards[id]
	if !ok {
		return a, fmt.Errorf("award %s: %w", id, models.ErrNotFound)
	}
	return a, nil
}
func (tx *reviewTx) PayeeVersions(string) ([]models.PayeeVersion, error) {
	return []models.PayeeVersion{tx.payee}, nil
}
func (tx *reviewTx) AwardMakers(*models.Award) (models.Makers, error)  { return tx.makers, nil }
func (tx *reviewTx) LatestScreening(string) (models.Screening, error)  { return tx.screening, nil }
func (tx *reviewTx) Dispositions(string) ([]models.Disposition, error) { return tx.disps, nil }
func (tx *reviewTx) SaveDisposition(d *models.Disposition) error {
	tx.disps = append(tx.disps, *d)
	return nil
}
func (tx *reviewTx) InsertScreening(sc *models.Screening) error { return nil }
func (tx *reviewTx) AwardEntries(id string, k ledger.Kind) ([]ledger.Entry, error) {
	var out []ledger.Entry
	for _, e := range tx.entries {
		if e.AwardID == id && e.Kind == k {
			out = append(out, e)
		}
	}
	return out, nil
}
func (tx *reviewTx) Append(d ledger.Draft) (ledger.Entry, bool, error) {
	for _, e := range tx.entries {
		if e.IdempotencyKey == d.IdempotencyKey {
			return e, true, nil
		}
	}
	e := ledger.Entry{Seq: int64(len(tx.entries) + 1), IdempotencyKey: d.IdempotencyKey, Kind: d.Kind, AwardID: d.AwardID,
		Actor: d.Actor, Data: d.Data, Postings: d.Postings}
	tx.entries = append(tx.entries, e)
	return e, false, nil
}
func (tx *reviewTx) Transition(a *models.Award, to models.AwardState, reason string, d ledger.Draft, _ func(*models.Award)) error {
	if err := models.CheckTransition(a.ID, a.State, to); err != nil {
		return err
	}
	a.State, a.Reason, a.Version = to, reason, a.Version+1
	tx.awards[a.ID] = *a
	d.AwardID = a.ID
	_, _, err := tx.Append(d)
	return err
}
func (tx *reviewTx) UnsentAwards(researcherID string) ([]models.Award, error) {
	var out []models.Award
	for _, a := range tx.awards {
		if a.ResearcherID == researcherID && slices.Contains(models.UnsentStates(), a.State) {
			out = append(out, a)
		}
	}
	return out, nil
}
func (tx *reviewTx) Authorize(by string, act models.Action) (models.Identity, error) {
	id, ok := tx.identities[models.NormalizeActor(by)]
	if !ok {
		return id, fmt.Errorf("%q is not a configured identity: %w", by, models.ErrNotFound)
	}
	return id, id.Can(act)
}

// clearJurisdictions decides nothing about places.
type clearJurisdictions struct{}

func (clearJurisdictions) Check(models.Researcher, time.Time) compliance.JurisdictionResult {
	return compliance.JurisdictionResult{Decision: models.DecisionClear, Version: "test"}
}

// reviewFixture holds a payee's money and pass awards, the money one held
// on a match of the given score.
func reviewFixture(t *testing.T, score float64) (*reviewStore, *worker.Screening) {
	t.Helper()
	now := time.Date(2026, 11, 10, 12, 0, 0, 0, time.UTC)
	payee := models.PayeeVersion{Researcher: models.Researcher{ID: "r-m", Name: "Nicolás Maduro Moros", Country: "ES"},
		Version: 1, Status: models.PayeeActive, CreatedBy: "triage"}
	res := compliance.Result{Threshold: 0.80, Score: score, Matches: []compliance.Match{{ID: 22790, Source: "SDN",
		Name: "MADURO MOROS, Nicolas", Score: score, ContentHash: "c1"}}}
	body, _ := json.Marshal(res)
	person := func(n string, r models.Role) models.Identity {
		return models.Identity{Name: n, Kind: models.KindPerson, Roles: []models.Role{r}}
	}
	tx := &reviewTx{now: now, payee: payee, makers: models.Makers{ImportedBy: "ops", TriagedBy: "lead"},
		awards: map[string]models.Award{
			"M-1/money":     {ID: "M-1/money", ResearcherID: "r-m", Kind: models.AwardMoney, Amount: models.Money{Minor: 50000, Currency: "USD"}, State: models.StateHeld, PayeeVersion: 1},
			"M-1/plex_pass": {ID: "M-1/plex_pass", ResearcherID: "r-m", Kind: models.AwardPlexPass, State: models.StateCleared, PayeeVersion: 1},
		},
		screening: models.Screening{ID: 7, AwardID: "M-1/money", PayeeVersion: 1, ListSHA256: "list", Decision: "review", Result: string(body)},
		identities: map[string]models.Identity{
			"cora": person("cora", models.RoleCompliance), "colin": person("colin", models.RoleCompliance),
			"ops": {Name: "ops", Kind: models.KindPerson, Roles: []models.Role{models.RoleImporter, models.RoleCompliance}},
			"bot": {Name: "bot", Kind: models.KindService, Roles: []models.Role{models.RoleCompliance}},
			"ann": person("ann", models.RoleFinance),
		}}
	st := &reviewStore{tx: tx}
	sc := worker.NewScreening(worker.ScreeningConfig{NowFunc: func() time.Time { return now }}, st, clearJurisdictions{}, nil)
	return st, sc
}

// Compliance's decisions on a hold, by who decides and what was found.
func TestUnitReviewDecide(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name    string
		score   float64
		setup   func(tx *reviewTx)
		steps   []string // "clear:WHO" or "confirm:WHO"
		wantErr error
		money   models.AwardState
		pass    models.AwardState
	}{
		{name: "one reviewer clears a match", score: 0.85, steps: []string{"clear:cora"},
			money: models.StateCleared, pass: models.StateCleared},
		{name: "the importer may not", score: 0.85, steps: []string{"clear:ops"}, wantErr: models.ErrInvalid,
			money: models.StateHeld, pass: models.StateCleared},
		{name: "a service may not", score: 0.85, steps: []string{"clear:bot"}, wantErr: models.ErrInvalid,
			money: models.StateHeld, pass: models.StateCleared},
		{name: "finance may not", score: 0.85, steps: []string{"clear:ann"}, wantErr: models.ErrInvalid,
			money: models.StateHeld, pass: models.StateCleared},
		{name: "a strong match: one clear is a vote", score: 0.97, steps: []string{"clear:cora"},
			money: models.StateHeld, pass: models.StateCleared},
		{name: "a strong match: the same reviewer twice", score: 0.97, steps: []string{"clear:cora", "clear:Cora"},
			wantErr: models.ErrConflict, money: models.StateHeld, pass: models.StateCleared},
		{name: "a strong match: two reviewers clear it", score: 0.97, steps: []string{"clear:cora", "clear:colin"},
			money: models.StateCleared, pass: models.StateCleared},
		{name: "a confirm blocks every unsent award", score: 0.85, steps: []string{"confirm:cora"},
			money: models.StateBlocked, pass: models.StateBlocked},
		{name: "a clear that contradicts a confirm", score: 0.85, setup: func(tx *reviewTx) {
			tx.disps = append(tx.disps, models.Disposition{ResearcherID: "r-m", Source: "SDN", EntNum: 22790, ContentHash: "c0", Decision: "confirmed"})
		}, steps: []string{"clear:cora"}, wantErr: models.ErrConflict, money: models.StateHeld, pass: models.StateCleared},
		{name: "a screening of another payee version", score: 0.85, setup: func(tx *reviewTx) { tx.screening.PayeeVersion = 0 },
			steps: []string{"clear:cora"}, wantErr: models.ErrConflict, money: models.StateHeld, pass: models.StateCleared},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, sc := reviewFixture(t, tt.score)
			if tt.setup != nil {
				tt.setup(st.tx)
			}
			var err error
			for _, step := range tt.steps {
				what, who, _ := strings.Cut(step, ":")
				if _, err = sc.Decide(ctx, "M-1/money", what == "confirm", who, "checked the passport"); err != nil {
					break
				}
			}
			if (tt.wantErr == nil) != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if a := st.tx.awards["M-1/money"]; a.State != tt.money {
				t.Errorf("money %s, want %s", a.State, tt.money)
			}
			if a := st.tx.awards["M-1/plex_pass"]; a.State != tt.pass {
				t.Errorf("pass %s, want %s", a.State, tt.pass)
			}
		})
	}
}

// A clearance is remembered for the screened identity only.
func TestUnitClearanceIsPerIdentity(t *testing.T) {
	st, sc := reviewFixture(t, 0.85)
	if _, err := sc.Decide(context.Background(), "M-1/money", false, "cora", "born 1990 in Spain"); err != nil {
		t.Fatal(err)
	}
	same, err := worker.Remembered(st.tx, st.tx.payee.Researcher)
	if err != nil || !same.Cleared[compliance.EntryKey{Source: "SDN", ID: 22790, ContentHash: "c1"}] {
		t.Fatalf("the clearance is not remembered for the same identity: %+v %v", same, err)
	}
	other := st.tx.payee.Researcher
	other.Name, other.DateOfBirth, other.Country = "MADURO MOROS, Nicolas", "1962-11-23", "VE"
	if mem, _ := worker.Remembered(st.tx, other); len(mem.Cleared) != 0 {
		t.Fatalf("a clearance of a look-alike carried over to the listed identity: %+v", mem)
	}
}

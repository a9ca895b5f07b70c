package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// ErrListUnusable means there is no current sanctions list, or it is older
// than allowed: every payout waits (fail closed).
var ErrListUnusable = errors.New("sanctions list unusable")

// NameScreener screens one payee against a loaded list.
type NameScreener interface {
	Screen(q compliance.Query) compliance.Result
}

// JurisdictionChecker applies the jurisdiction rules in effect at a time
// (compliance.Jurisdictions in production).
type JurisdictionChecker interface {
	Check(r models.Researcher, at time.Time) compliance.JurisdictionResult
}

// ListBuilder turns a stored list version's files into a screener.
type ListBuilder func(files map[string][]byte) (NameScreener, error)

// ScreeningConfig configures Screening.
type ScreeningConfig struct {
	MaxListAge time.Duration
	// ReviewThreshold: a match scoring at least this needs a person's
	// decision (or a remembered one).
	ReviewThreshold float64
	NowFunc         func() time.Time
}

// Screening decides clear, review or blocked for a payee: jurisdiction
// rules, the current sanctions list, and compliance's remembered decisions.
type Screening struct {
	cfg   ScreeningConfig
	store *store.Store
	juris JurisdictionChecker
	build ListBuilder

	mu     sync.Mutex
	sha    string
	cached NameScreener
}

// NewScreening wires screening.
func NewScreening(cfg ScreeningConfig, st *store.Store, j JurisdictionChecker, build ListBuilder) *Screening {
	if cfg.MaxListAge == 0 {
		cfg.MaxListAge = DefaultMaxListAge
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return &Screening{cfg: cfg, store: st, juris: j, build: build}
}

// Current returns the screener of the current list, building it when the
// list changed. It fails with ErrListUnusable when there is no list or it
// is too old.
func (s *Screening) Current(ctx context.Context) (NameScreener, store.ListVersion, error) {
	v, err := s.store.CurrentList(ctx)
	if errors.Is(err, models.ErrNotFound) {
		return nil, v, fmt.Errorf("%w: no sanctions list loaded (bountypay sanctions load DIR)", ErrListUnusable)
	}
	if err != nil {
		return nil, v, err
	}
	if age := s.cfg.NowFunc().Sub(v.LoadedAt); age > s.cfg.MaxListAge {
		return nil, v, fmt.Errorf("%w: list %.12s loaded %s ago, more than the %s allowed", ErrListUnusable, v.SHA256, age.Round(time.Minute), s.cfg.MaxListAge)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sha == v.SHA256 && s.cached != nil {
		return s.cached, v, nil
	}
	files, err := s.store.ListFiles(ctx, v.ID)
	if err != nil {
		return nil, v, err
	}
	m := make(map[string][]byte, len(files))
	for _, f := range files {
		m[f.Name] = f.Content
	}
	sc, err := s.build(m)
	if err != nil {
		return nil, v, fmt.Errorf("%w: list %.12s does not load: %v", ErrListUnusable, v.SHA256, err)
	}
	s.sha, s.cached = v.SHA256, sc
	return sc, v, nil
}

// Verdict is the combined screening outcome for one payee.
type Verdict struct {
	Decision     models.ScreeningDecision
	Reason       string
	Result       compliance.Result
	Jurisdiction compliance.JurisdictionResult
	ListSHA256   string
}

// QueryFor builds the screening query of a researcher.
func QueryFor(r models.Researcher) compliance.Query {
	return compliance.Query{Name: r.Name, Country: r.Country, Region: r.Region, City: r.City,
		PostalCode: r.PostalCode, DateOfBirth: r.DateOfBirth, Type: "individual"}
}

// Screen decides for one researcher, inside tx (for dispositions).
func (s *Screening) Screen(tx *store.Tx, names NameScreener, list store.ListVersion, r models.Researcher) (Verdict, error) {
	at := s.cfg.NowFunc().UTC()
	v := Verdict{ListSHA256: list.SHA256}
	v.Jurisdiction = s.juris.Check(r, at)
	v.Result = names.Screen(QueryFor(r))
	v.Result.ListVersion = list.SHA256
	if v.Result.ScreenedAt.IsZero() {
		v.Result.ScreenedAt = at
	}
	if v.Jurisdiction.Decision == models.DecisionBlocked {
		v.Decision, v.Reason = models.DecisionBlocked, "sanctioned jurisdiction: "+v.Jurisdiction.Reason
		return v, nil
	}
	disps, err := tx.Dispositions(r.ID)
	if err != nil {
		return v, err
	}
	type key struct {
		src  string
		id   int
		hash string
	}
	decided := map[key]string{}
	for _, d := range disps {
		decided[key{d.Source, d.EntNum, d.ContentHash}] = d.Decision
	}
	var open, cleared []string
	for _, m := range v.Result.Matches {
		if m.Score < s.cfg.ReviewThreshold {
			continue
		}
		label := fmt.Sprintf("%s %d %s (%.2f)", m.Source, m.ID, m.Name, m.Score)
		switch decided[key{m.Source, m.ID, m.ContentHash}] {
		case "confirmed":
			v.Decision, v.Reason = models.DecisionBlocked, "compliance confirmed the match with "+label
			return v, nil
		case "cleared":
			cleared = append(cleared, label)
		default:
			open = append(open, label)
		}
	}
	switch {
	case len(open) > 0:
		v.Decision, v.Reason = models.DecisionReview, "possible sanctions match: "+strings.Join(open, "; ")
	case v.Jurisdiction.Decision == models.DecisionReview:
		v.Decision, v.Reason = models.DecisionReview, "jurisdiction needs review: "+v.Jurisdiction.Reason
	default:
		v.Decision = models.DecisionClear
		if len(cleared) > 0 {
			v.Reason = "matches cleared earlier by compliance: " + strings.Join(cleared, "; ")
		}
	}
	return v, nil
}

// screen moves every award ready to screen to cleared, held or blocked.
func (r *Runner) screen(ctx context.Context, res *Result) error {
	names, list, err := r.screener.Current(ctx)
	if err != nil {
		return err
	}
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateReadyToScreen}})
	if err != nil {
		return err
	}
	for _, a := range awards {
		err := r.store.InTx(ctx, func(tx *store.Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil || cur.State != models.StateReadyToScreen {
				return err
			}
			rs, err := tx.Researcher(cur.ResearcherID)
			if err != nil {
				return err
			}
			v, err := r.screener.Screen(tx, names, list, rs)
			if err != nil {
				return err
			}
			if err := recordScreening(tx, &cur, v, r.cfg.Actor); err != nil {
				return err
			}
			switch v.Decision {
			case models.DecisionClear:
				res.Cleared++
			case models.DecisionReview:
				res.Held++
			case models.DecisionBlocked:
				res.Blocked++
			}
			res.Screened++
			return nil
		})
		if err != nil && !errors.Is(err, models.ErrConflict) {
			return fmt.Errorf("award %s: %w", a.ID, err)
		}
	}
	return nil
}

// recordScreening stores a verdict and moves the award accordingly; an
// award already cleared that screens clear again stays as it is, with the
// screening recorded in the ledger.
func recordScreening(tx *store.Tx, a *models.Award, v Verdict, actor string) error {
	body, err := json.Marshal(v.Result)
	if err != nil {
		return err
	}
	sc := store.Screening{AwardID: a.ID, ResearcherID: a.ResearcherID, ListSHA256: v.ListSHA256,
		Decision: string(v.Decision), Score: v.Result.Score, Result: string(body)}
	if err := tx.InsertScreening(&sc); err != nil {
		return err
	}
	ids := make([]string, 0, len(v.Result.Matches))
	for _, m := range v.Result.Matches {
		ids = append(ids, fmt.Sprintf("%s:%d:%.3f", m.Source, m.ID, m.Score))
	}
	sort.Strings(ids)
	data := map[string]string{"decision": string(v.Decision), "list_sha256": v.ListSHA256,
		"score": fmt.Sprintf("%.4f", v.Result.Score), "matches": strings.Join(ids, ","),
		"algorithm": v.Result.Algorithm, "screening_id": fmt.Sprint(sc.ID),
		"jurisdiction": string(v.Jurisdiction.Decision), "jurisdiction_rule": v.Jurisdiction.RuleID,
		"jurisdiction_version": v.Jurisdiction.Version}
	key := fmt.Sprintf("award/%s/screened/%d", a.ID, sc.ID)
	switch {
	case v.Decision == models.DecisionClear && a.State == models.StateCleared:
		_, _, err := tx.Append(ledger.Draft{IdempotencyKey: key, Kind: ledger.KindScreened, AwardID: a.ID,
			Actor: actor, EffectiveAt: tx.Now(), Data: data})
		return err
	case v.Decision == models.DecisionClear:
		return tx.Transition(a, models.StateCleared, v.Reason, ledger.Draft{IdempotencyKey: key,
			Kind: ledger.KindScreened, Actor: actor, EffectiveAt: tx.Now(), Data: data}, nil)
	case v.Decision == models.DecisionReview:
		return tx.Transition(a, models.StateHeld, v.Reason, ledger.Draft{IdempotencyKey: key,
			Kind: ledger.KindScreened, Actor: actor, EffectiveAt: tx.Now(), Data: data}, nil)
	default:
		return tx.Transition(a, models.StateBlocked, v.Reason, ledger.Draft{IdempotencyKey: key,
			Kind: ledger.KindBlocked, Actor: actor, EffectiveAt: tx.Now(), Data: data,
			Postings: ledger.BlockedPostings(a)}, nil)
	}
}

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
	// TwoReviewerScore: clearing a match scoring at least this, or a
	// jurisdiction hold, takes two distinct compliance reviewers
	// (default compliance.DefaultTwoReviewerScore).
	TwoReviewerScore float64
	// ReviewersRequired is how many distinct reviewers such a hold needs
	// (default 2).
	ReviewersRequired int
	NowFunc           func() time.Time
}

// Screening decides clear, review or blocked for a payee: jurisdiction
// rules, the current sanctions list, and compliance's remembered decisions.
type Screening struct {
	cfg   ScreeningConfig
	store Store
	juris JurisdictionChecker
	build ListBuilder

	mu     sync.Mutex
	sha    string
	cached NameScreener
}

// NewScreening wires screening.
func NewScreening(cfg ScreeningConfig, st Store, j JurisdictionChecker, build ListBuilder) *Screening {
	if cfg.MaxListAge == 0 {
		cfg.MaxListAge = DefaultMaxListAge
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	if cfg.TwoReviewerScore <= 0 {
		cfg.TwoReviewerScore = compliance.DefaultTwoReviewerScore
	}
	if cfg.ReviewersRequired <= 0 {
		cfg.ReviewersRequired = 2
	}
	return &Screening{cfg: cfg, store: st, juris: j, build: build}
}

// Current returns the screener of the current list, building it when the
// list changed. It fails with ErrListUnusable when there is no list or it
// is too old.
func (s *Screening) Current(ctx context.Context) (NameScreener, models.ListVersion, error) {
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

// Verdict is the one combined screening outcome (compliance.Combine) with
// what it was for: the payee version, the list and the rules version.
type Verdict struct {
	compliance.Verdict
	ListSHA256   string
	PayeeVersion int
	RulesVersion string
}

// QueryFor builds the screening query of a researcher.
func QueryFor(r models.Researcher) compliance.Query {
	return compliance.Query{Name: r.Name, Country: r.Country, Region: r.Region, City: r.City,
		PostalCode: r.PostalCode, DateOfBirth: r.DateOfBirth, Type: "individual"}
}

// RulesVersion is the version of the jurisdiction rules in force now.
func (s *Screening) RulesVersion() string {
	return s.juris.Check(models.Researcher{}, s.cfg.NowFunc().UTC()).Version
}

// Remembered reads compliance's remembered decisions about a payee
// version: clearances of its screened identity, and every confirmed entry
// of the researcher.
func Remembered(tx Tx, p models.Researcher) (compliance.Remembered, error) {
	disps, err := tx.Dispositions(p.ID)
	if err != nil {
		return compliance.Remembered{}, err
	}
	mem := compliance.Remembered{Cleared: map[compliance.EntryKey]bool{}, Confirmed: map[compliance.EntryRef]bool{}}
	ident := models.IdentityHash(p)
	for _, d := range disps {
		switch d.Decision {
		case "confirmed":
			mem.Confirmed[compliance.EntryRef{Source: d.Source, ID: d.EntNum}] = true
		case "cleared":
			if d.IdentityHash == ident {
				mem.Cleared[compliance.EntryKey{Source: d.Source, ID: d.EntNum, ContentHash: d.ContentHash}] = true
			}
		}
	}
	return mem, nil
}

// Screen decides for one payee version, inside tx (for remembered
// decisions).
func (s *Screening) Screen(tx Tx, names NameScreener, list models.ListVersion, p models.PayeeVersion) (Verdict, error) {
	at := s.cfg.NowFunc().UTC()
	j := s.juris.Check(p.Researcher, at)
	res := names.Screen(QueryFor(p.Researcher))
	res.ListVersion = list.SHA256
	if res.ScreenedAt.IsZero() {
		res.ScreenedAt = at
	}
	if res.Threshold == 0 {
		res.Threshold = s.cfg.ReviewThreshold
	}
	mem, err := Remembered(tx, p.Researcher)
	if err != nil {
		return Verdict{}, err
	}
	return Verdict{Verdict: compliance.Combine(j, res, mem, s.cfg.TwoReviewerScore), ListSHA256: list.SHA256,
		PayeeVersion: p.Version, RulesVersion: j.Version}, nil
}

// screen moves every award ready to screen to cleared, held or blocked, a
// batch at a time (a screened award leaves ready_to_screen, so each batch
// is the next).
func (r *Runner) screen(ctx context.Context, res *Result) error {
	names, list, err := r.screener.Current(ctx)
	if err != nil {
		return err
	}
	skip := map[string]bool{} // taken by another worker meanwhile
	return inBatches(ctx, r, r.leaving(skip, models.StateReadyToScreen), func(ctx context.Context, awards []models.Award) error {
		return r.screenBatch(ctx, res, names, list, awards, skip)
	})
}

func (r *Runner) screenBatch(ctx context.Context, res *Result, names NameScreener, list models.ListVersion, awards []models.Award, skip map[string]bool) error {
	for _, a := range awards {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := r.store.InTx(ctx, func(tx Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil || cur.State != models.StateReadyToScreen {
				return err
			}
			p, err := boundPayee(tx, &cur)
			if err != nil {
				return err
			}
			v, err := r.screener.Screen(tx, names, list, p)
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
		if errors.Is(err, models.ErrConflict) {
			skip[a.ID] = true
			continue
		}
		if err != nil {
			return fmt.Errorf("award %s: %w", a.ID, err)
		}
	}
	return nil
}

// insertScreening stores a verdict for an award.
func insertScreening(tx Tx, a *models.Award, v Verdict, advisory bool) (models.Screening, error) {
	body, err := json.Marshal(v.Names)
	if err != nil {
		return models.Screening{}, err
	}
	sc := models.Screening{AwardID: a.ID, ResearcherID: a.ResearcherID, ListSHA256: v.ListSHA256,
		Decision: string(v.Decision), Score: v.Names.Score, Result: string(body),
		PayeeVersion: v.PayeeVersion, RulesVersion: v.RulesVersion, Advisory: advisory}
	return sc, tx.InsertScreening(&sc)
}

// boundPayee returns the payee version an award is for.
func boundPayee(tx Tx, a *models.Award) (models.PayeeVersion, error) {
	vs, err := tx.PayeeVersions(a.ResearcherID)
	if err != nil {
		return models.PayeeVersion{}, err
	}
	for _, v := range vs {
		if v.Version == a.PayeeVersion {
			return v, nil
		}
	}
	return models.PayeeVersion{}, fmt.Errorf("award %s: payee %s has no version %d: %w", a.ID, a.ResearcherID, a.PayeeVersion, models.ErrNotFound)
}

// recordScreening stores a verdict and moves the award accordingly; an
// award already cleared that screens clear again stays as it is, with the
// screening recorded in the ledger.
func recordScreening(tx Tx, a *models.Award, v Verdict, actor string) error {
	sc, err := insertScreening(tx, a, v, false)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(v.Names.Matches))
	for _, m := range v.Names.Matches {
		ids = append(ids, fmt.Sprintf("%s:%d:%.3f", m.Source, m.ID, m.Score))
	}
	sort.Strings(ids)
	data := map[string]string{"decision": string(v.Decision), "list_sha256": v.ListSHA256,
		"score": fmt.Sprintf("%.4f", v.Names.Score), "matches": strings.Join(ids, ","),
		"algorithm": v.Names.Algorithm, "screening_id": fmt.Sprint(sc.ID),
		"payee_version": fmt.Sprint(v.PayeeVersion), "rules_version": v.RulesVersion,
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
			Kind: ledger.KindBlocked, Actor: actor, EffectiveAt: tx.Now(), Data: data}, nil)
	}
}

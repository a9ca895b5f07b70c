package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

type researcherRow struct {
	ID             string `gorm:"primaryKey"`
	Name           string
	Email          string
	Country        string
	Region         string
	City           string
	PostalCode     string
	PaypalReceiver string
	PlexAccount    string
	DateOfBirth    string
	// PayeeVersion is the version in force (payee_versions).
	PayeeVersion int
	UpdatedAt    time.Time
}

func (researcherRow) TableName() string { return "researchers" }

func (r researcherRow) model() models.Researcher {
	return models.Researcher{ID: r.ID, Name: r.Name, Email: r.Email, Country: r.Country,
		Region: r.Region, City: r.City, PostalCode: r.PostalCode, PayPalReceiver: r.PaypalReceiver,
		PlexAccount: r.PlexAccount, DateOfBirth: r.DateOfBirth}
}

func researcherRowOf(r models.Researcher, now time.Time) researcherRow {
	return researcherRow{ID: r.ID, Name: r.Name, Email: r.Email, Country: r.Country,
		Region: r.Region, City: r.City, PostalCode: r.PostalCode, PaypalReceiver: r.PayPalReceiver,
		PlexAccount: r.PlexAccount, DateOfBirth: r.DateOfBirth, UpdatedAt: now}
}

type awardRow struct {
	ID            string `gorm:"primaryKey"`
	ReportID      string
	ResearcherID  string
	Kind          string
	AmountMinor   int64
	Currency      string
	Description   string
	State         string
	Reason        string
	PolicyVersion string
	PayeeVersion  int
	AbovePolicy   bool
	Attempt       int
	Version       int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (awardRow) TableName() string { return "awards" }

func (r awardRow) model() models.Award {
	return models.Award{ID: r.ID, ReportID: r.ReportID, ResearcherID: r.ResearcherID,
		Kind: models.AwardKind(r.Kind), Amount: models.Money{Minor: r.AmountMinor, Currency: r.Currency},
		Description: r.Description, State: models.AwardState(r.State), Reason: r.Reason,
		PolicyVersion: r.PolicyVersion, PayeeVersion: r.PayeeVersion, AbovePolicy: r.AbovePolicy,
		Attempt: r.Attempt, Version: r.Version, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func awardRowOf(a models.Award) awardRow {
	return awardRow{ID: a.ID, ReportID: a.ReportID, ResearcherID: a.ResearcherID, Kind: string(a.Kind),
		AmountMinor: a.Amount.Minor, Currency: a.Amount.Currency, Description: a.Description,
		State: string(a.State), Reason: a.Reason, PolicyVersion: a.PolicyVersion, PayeeVersion: a.PayeeVersion,
		AbovePolicy: a.AbovePolicy, Attempt: a.Attempt,
		Version: a.Version, CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// Award reads one award. On PostgreSQL the row is locked until the
// transaction ends.
func (tx *Tx) Award(id string) (models.Award, error) {
	var r awardRow
	q := tx.db
	if tx.s.dialect == Postgres {
		q = q.Clauses(forUpdate())
	}
	if err := q.Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Award{}, translate(err, "award "+id)
	}
	return r.model(), nil
}

// Award reads one award outside any transaction.
func (s *Store) Award(ctx context.Context, id string) (models.Award, error) {
	var r awardRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Award{}, translate(err, "award "+id)
	}
	return r.model(), nil
}

// Awards lists awards, oldest first.
func (s *Store) Awards(ctx context.Context, f models.AwardFilter) ([]models.Award, error) {
	q := s.db.WithContext(ctx).Order("created_at, id")
	if len(f.States) > 0 {
		q = q.Where("state IN ?", f.States)
	}
	if f.ReportID != "" {
		q = q.Where("report_id = ?", f.ReportID)
	}
	if f.ResearcherID != "" {
		q = q.Where("researcher_id = ?", f.ResearcherID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.After != nil {
		at := f.After.CreatedAt.UTC()
		q = q.Where("(created_at > ? OR (created_at = ? AND id > ?))", at, at, f.After.ID)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var rows []awardRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list awards: %w", err)
	}
	out := make([]models.Award, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}

// CountAwardsByState returns how many awards are in each state.
func (s *Store) CountAwardsByState(ctx context.Context) (map[models.AwardState]int, error) {
	var rows []struct {
		State string
		N     int
	}
	if err := s.db.WithContext(ctx).Model(&awardRow{}).Select("state, count(*) AS n").Group("state").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count awards: %w", err)
	}
	out := map[models.AwardState]int{}
	for _, r := range rows {
		out[models.AwardState(r.State)] = r.N
	}
	return out, nil
}

// InsertAward stores a new award and its decision entry, booked by the
// posting rule (the reserve: expense:bounties -> payable).
// An award without a payee version is for the version in force.
func (tx *Tx) InsertAward(a *models.Award, d ledger.Draft) error {
	if a.PayeeVersion == 0 {
		var r researcherRow
		if err := tx.db.Select("payee_version").Where("id = ?", a.ResearcherID).Take(&r).Error; err != nil {
			return translate(err, "researcher "+a.ResearcherID)
		}
		a.PayeeVersion = r.PayeeVersion
	}
	now := tx.Now()
	a.CreatedAt, a.UpdatedAt, a.Version = now, now, 1
	r := awardRowOf(*a)
	if err := tx.db.Create(&r).Error; err != nil {
		return translate(err, "insert award "+a.ID)
	}
	d.AwardID = a.ID
	ps := ledger.PostingsFor(a, ledger.Movement{To: models.StatePending})
	if d.Postings != nil && !ledger.SamePostings(d.Postings, ps) {
		return fmt.Errorf("award %s decided: postings %v differ from the posting rule's %v: %w", a.ID, d.Postings, ps, models.ErrInvalid)
	}
	d.Postings = ps
	_, _, err := tx.Append(d)
	return err
}

// Transition moves an award to state to, checking the transition table and
// that nobody changed the award since it was read (optimistic lock on its
// version), and appends the ledger entry in the same transaction. The draft
// gets the award id and the from/to/reason facts. mutate, when not nil,
// changes other fields (attempt) before the update.
func (tx *Tx) Transition(a *models.Award, to models.AwardState, reason string, d ledger.Draft, mutate func(*models.Award)) error {
	if err := models.CheckTransition(a.ID, a.State, to); err != nil {
		return err
	}
	from, version := a.State, a.Version
	next := *a
	next.State, next.Reason, next.Version, next.UpdatedAt = to, reason, version+1, tx.Now()
	if mutate != nil {
		mutate(&next)
	}
	res := tx.db.Model(&awardRow{}).Where("id = ? AND state = ? AND version = ?", a.ID, from, version).
		Updates(map[string]any{"state": string(to), "reason": reason, "version": next.Version,
			"updated_at": next.UpdatedAt, "attempt": next.Attempt, "amount_minor": next.Amount.Minor,
			"currency": next.Amount.Currency, "payee_version": next.PayeeVersion})
	if res.Error != nil {
		return translate(res.Error, "update award "+a.ID)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("award %s changed concurrently (was %s v%d): %w", a.ID, from, version, models.ErrConflict)
	}
	d.AwardID = a.ID
	if d.Data == nil {
		d.Data = map[string]string{}
	}
	ps, err := tx.rulePostings(&next, from, to, d.Data)
	if err != nil {
		return err
	}
	if d.Postings != nil && !ledger.SamePostings(d.Postings, ps) {
		return fmt.Errorf("award %s %s -> %s: postings %v differ from the posting rule's %v: %w", a.ID, from, to, d.Postings, ps, models.ErrInvalid)
	}
	d.Postings = ps
	d.Data["from"], d.Data["to"] = string(from), string(to)
	if reason != "" {
		d.Data["reason"] = reason
	}
	if d.Kind == "" {
		d.Kind = ledger.KindStateChanged
	}
	if _, _, err := tx.Append(d); err != nil {
		return err
	}
	*a = next
	return nil
}

// rulePostings are the postings of a transition by the one posting rule
// (ledger.PostingsFor): the fee of a payment comes from the entry's "fee"
// fact, the amount of a cancellation from what the ledger holds payable.
func (tx *Tx) rulePostings(a *models.Award, from, to models.AwardState, data map[string]string) ([]ledger.Posting, error) {
	m := ledger.Movement{From: from, To: to}
	if to == models.StatePaid && data["fee"] != "" {
		fee, err := strconv.ParseInt(data["fee"], 10, 64)
		if err != nil || fee < 0 {
			return nil, fmt.Errorf("award %s: fee %q: %w", a.ID, data["fee"], models.ErrInvalid)
		}
		m.Fee = fee
	}
	if to == models.StateCancelled {
		pos, err := tx.AwardPosition(a)
		if err != nil {
			return nil, err
		}
		m.Payable = pos.Payable
		if m.Payable <= 0 {
			m.Payable = -1 // nothing payable: nothing to reverse
		}
	}
	return ledger.PostingsFor(a, m), nil
}

// Researcher reads one researcher.
func (s *Store) Researcher(ctx context.Context, id string) (models.Researcher, error) {
	var r researcherRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Researcher{}, translate(err, "researcher "+id)
	}
	return r.model(), nil
}

// Researcher reads one researcher inside the transaction.
func (tx *Tx) Researcher(id string) (models.Researcher, error) {
	var r researcherRow
	if err := tx.db.Where("id = ?", id).Take(&r).Error; err != nil {
		return models.Researcher{}, translate(err, "researcher "+id)
	}
	return r.model(), nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

type payeeRow struct {
	ResearcherID   string `gorm:"primaryKey"`
	Version        int    `gorm:"primaryKey"`
	Name           string
	Email          string
	Country        string
	Region         string
	City           string
	PostalCode     string
	PaypalReceiver string
	PlexAccount    string
	DateOfBirth    string
	Hash           string
	IdentityHash   string
	ReceiverNorm   string
	Status         string
	Changed        string
	NeedsRoles     string
	CreatedBy      string
	Source         string
	Reason         string
	CreatedAt      time.Time
	DecidedBy      string
	DecidedAt      *time.Time
}

func (payeeRow) TableName() string { return "payee_versions" }

func (r payeeRow) model() models.PayeeVersion {
	v := models.PayeeVersion{
		Researcher: models.Researcher{ID: r.ResearcherID, Name: r.Name, Email: r.Email, Country: r.Country,
			Region: r.Region, City: r.City, PostalCode: r.PostalCode, PayPalReceiver: r.PaypalReceiver,
			PlexAccount: r.PlexAccount, DateOfBirth: r.DateOfBirth},
		Version: r.Version, Hash: r.Hash, Status: models.PayeeStatus(r.Status), CreatedBy: r.CreatedBy,
		Source: r.Source, Reason: r.Reason, CreatedAt: r.CreatedAt.UTC(), DecidedBy: r.DecidedBy,
	}
	if r.Changed != "" {
		v.Changed = strings.Split(r.Changed, ",")
	}
	for _, s := range strings.Split(r.NeedsRoles, ",") {
		if s != "" {
			v.NeedsRoles = append(v.NeedsRoles, models.Role(s))
		}
	}
	if r.DecidedAt != nil {
		t := r.DecidedAt.UTC()
		v.DecidedAt = &t
	}
	return v
}

func payeeRowOf(v models.PayeeVersion) payeeRow {
	roles := make([]string, len(v.NeedsRoles))
	for i, r := range v.NeedsRoles {
		roles[i] = string(r)
	}
	r := v.Researcher
	return payeeRow{ResearcherID: r.ID, Version: v.Version, Name: r.Name, Email: r.Email, Country: r.Country,
		Region: r.Region, City: r.City, PostalCode: r.PostalCode, PaypalReceiver: r.PayPalReceiver,
		PlexAccount: r.PlexAccount, DateOfBirth: r.DateOfBirth, Hash: models.PayeeHash(r),
		IdentityHash: models.IdentityHash(r), ReceiverNorm: models.NormalizeReceiver(r.PayPalReceiver),
		Status: string(v.Status), Changed: strings.Join(v.Changed, ","), NeedsRoles: strings.Join(roles, ","),
		CreatedBy: v.CreatedBy, Source: v.Source, Reason: v.Reason, CreatedAt: v.CreatedAt,
		DecidedBy: v.DecidedBy, DecidedAt: v.DecidedAt}
}

// backfillPayeeHashes computes the hashes of payee versions that a
// migration copied from the researchers table.
func (s *Store) backfillPayeeHashes(ctx context.Context) error {
	var rows []payeeRow
	if err := s.db.WithContext(ctx).Where("hash = ''").Find(&rows).Error; err != nil {
		return fmt.Errorf("payee versions to hash: %w", err)
	}
	for _, r := range rows {
		full := payeeRowOf(r.model())
		if err := s.db.WithContext(ctx).Model(&payeeRow{}).Where("researcher_id = ? AND version = ?", r.ResearcherID, r.Version).
			Updates(map[string]any{"hash": full.Hash, "identity_hash": full.IdentityHash}).Error; err != nil {
			return fmt.Errorf("hash payee version %s v%d: %w", r.ResearcherID, r.Version, err)
		}
	}
	return nil
}

// underReview reports whether a researcher has an award held or blocked by
// screening, or a confirmed match.
func (tx *Tx) underReview(researcherID string) (bool, error) {
	var n int64
	if err := tx.db.Model(&awardRow{}).Where("researcher_id = ? AND state IN ?", researcherID,
		[]string{string(models.StateHeld), string(models.StateBlocked)}).Count(&n).Error; err != nil {
		return false, fmt.Errorf("awards under review of %s: %w", researcherID, err)
	}
	if n > 0 {
		return true, nil
	}
	if err := dispositions(tx.db).Where("researcher_id = ? AND decision = ?", researcherID, "confirmed").Count(&n).Error; err != nil {
		return false, fmt.Errorf("confirmed matches of %s: %w", researcherID, err)
	}
	return n > 0, nil
}

// RecordPayee makes sure the details r are a payee version of researcher
// r.ID and returns its number, inside the transaction. A new researcher
// gets version 1, active. Details equal to the active version, or to a
// pending one, are that version. Other details make a new version and a
// ledger entry naming the changed fields with hashes of the old and new
// values (no personal data): active at once, unless models.PayeeChangeNeeds says
// a person must approve it, in which case it is pending and the
// researcher's unsent awards wait for the decision.
func (tx *Tx) RecordPayee(r models.Researcher, by, source, reason string) (models.PayeeVersion, error) {
	now := tx.Now()
	var cur researcherRow
	err := tx.lockResearcher(r.ID, &cur)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		rr := researcherRowOf(r, now)
		rr.PayeeVersion = 1
		if err := tx.db.Create(&rr).Error; err != nil {
			return models.PayeeVersion{}, translate(err, "insert researcher "+r.ID)
		}
		// The first version is recorded by the entry of what brought it
		// (the report's import names payee version 1 and its hash).
		v := models.PayeeVersion{Researcher: r, Version: 1, Status: models.PayeeActive, CreatedBy: by,
			Source: source, Reason: reason, CreatedAt: now, Hash: models.PayeeHash(r)}
		row := payeeRowOf(v)
		return v, translate(tx.db.Create(&row).Error, "insert payee version "+r.ID+" v1")
	case err != nil:
		return models.PayeeVersion{}, translate(err, "researcher "+r.ID)
	}
	versions, err := tx.PayeeVersions(r.ID)
	if err != nil {
		return models.PayeeVersion{}, err
	}
	if v, ok := models.SamePayeeVersion(versions, r); ok {
		return v, nil
	}
	review, err := tx.underReview(r.ID)
	if err != nil {
		return models.PayeeVersion{}, err
	}
	var active models.Researcher
	if i := slices.IndexFunc(versions, func(o models.PayeeVersion) bool { return o.Version == cur.PayeeVersion }); i >= 0 {
		active = versions[i].Researcher
	}
	v := models.NextPayeeVersion(versions, active, r, review)
	v.CreatedBy, v.Source, v.Reason, v.CreatedAt = by, source, reason, now
	if err := tx.insertPayee(&v, active); err != nil {
		return v, err
	}
	if v.Status == models.PayeeActive {
		if err := tx.activatePayee(&v, by); err != nil {
			return v, err
		}
	}
	return v, nil
}

func (tx *Tx) lockResearcher(id string, into *researcherRow) error {
	q := tx.db
	if tx.s.dialect == Postgres {
		q = q.Clauses(forUpdate())
	}
	return q.Where("id = ?", id).Take(into).Error
}

// insertPayee stores a new version and its ledger entry.
func (tx *Tx) insertPayee(v *models.PayeeVersion, old models.Researcher) error {
	v.Hash = models.PayeeHash(v.Researcher)
	row := payeeRowOf(*v)
	if err := tx.db.Create(&row).Error; err != nil {
		return translate(err, fmt.Sprintf("insert payee version %s v%d", v.ID, v.Version))
	}
	data := map[string]string{"researcher_id": v.ID, "version": fmt.Sprint(v.Version), "status": string(v.Status),
		"payee_hash": v.Hash, "source": v.Source}
	if len(v.Changed) > 0 {
		data["changed"] = strings.Join(v.Changed, ",")
		for _, f := range v.Changed {
			data["old_"+f] = models.FieldHash(models.FieldValue(old, f))
			data["new_"+f] = models.FieldHash(models.FieldValue(v.Researcher, f))
		}
	}
	if len(v.NeedsRoles) > 0 {
		roles := make([]string, len(v.NeedsRoles))
		for i, r := range v.NeedsRoles {
			roles[i] = string(r)
		}
		data["needs_approval_by"] = strings.Join(roles, ",")
	}
	if v.Reason != "" {
		data["reason"] = v.Reason
	}
	_, _, err := tx.Append(ledger.Draft{
		IdempotencyKey: fmt.Sprintf("payee/%s/v%d", v.ID, v.Version),
		Kind:           ledger.KindPayeeVersion, Actor: v.CreatedBy, EffectiveAt: tx.Now(), Data: data,
	})
	return err
}

// activatePayee puts version v in force: the researcher row takes its
// details, older versions are superseded, and every unsent award of the
// researcher is bound to v. Awards cleared or held under the old details
// go back to screening; approvals of the old content stop counting (the
// approval content hash includes the payee version).
func (tx *Tx) activatePayee(v *models.PayeeVersion, by string) error {
	rr := researcherRowOf(v.Researcher, tx.Now())
	rr.PayeeVersion = v.Version
	if err := tx.db.Model(&researcherRow{}).Where("id = ?", v.ID).Select("*").Updates(&rr).Error; err != nil {
		return translate(err, "update researcher "+v.ID)
	}
	if err := tx.db.Model(&payeeRow{}).Where("researcher_id = ? AND version <> ? AND status = ?", v.ID, v.Version,
		string(models.PayeeActive)).Update("status", string(models.PayeeSuperseded)).Error; err != nil {
		return translate(err, "supersede payee versions of "+v.ID)
	}
	var rows []awardRow
	if err := tx.db.Where("researcher_id = ? AND state IN ? AND payee_version <> ?", v.ID, models.UnsentStates(), v.Version).
		Order("created_at, id").Find(&rows).Error; err != nil {
		return fmt.Errorf("unsent awards of %s: %w", v.ID, err)
	}
	for _, r := range rows {
		a := r.model()
		if err := tx.RebindAward(&a, v.Version, by); err != nil {
			return err
		}
	}
	return nil
}

// RebindAward binds an unsent award to payee version n, with a ledger
// entry; a cleared or held award goes back to screening (ready_to_screen).
func (tx *Tx) RebindAward(a *models.Award, n int, by string) error {
	from := a.PayeeVersion
	d := ledger.Draft{
		IdempotencyKey: fmt.Sprintf("award/%s/payee/v%d/%d", a.ID, n, a.Version),
		Kind:           ledger.KindPayeeRebound, Actor: by, EffectiveAt: tx.Now(),
		Data: map[string]string{"from_payee_version": fmt.Sprint(from), "payee_version": fmt.Sprint(n)},
	}
	if a.State == models.StateCleared || a.State == models.StateHeld {
		return tx.Transition(a, models.StateReadyToScreen, fmt.Sprintf("payee details changed (version %d): screened again", n), d,
			func(a *models.Award) { a.PayeeVersion = n })
	}
	res := tx.db.Model(&awardRow{}).Where("id = ? AND version = ?", a.ID, a.Version).
		Updates(map[string]any{"payee_version": n, "version": a.Version + 1, "updated_at": tx.Now()})
	if res.Error != nil {
		return translate(res.Error, "rebind award "+a.ID)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("award %s changed concurrently: %w", a.ID, models.ErrConflict)
	}
	a.PayeeVersion, a.Version = n, a.Version+1
	d.AwardID = a.ID
	_, _, err := tx.Append(d)
	return err
}

// DecidePayeeChange approves or rejects a pending payee version. The
// decider must be a person with the roles the change needs (finance for a
// new receiver, compliance for a new identity of a payee under review)
// who did not cause it. Approving puts the version in force (see activatePayee);
// rejecting leaves the active version as it is. Errors: models.ErrNotFound,
// models.ErrConflict when the version is not pending or a newer change is
// pending, models.ErrInvalid when the decider caused the change.
func (tx *Tx) DecidePayeeChange(researcherID string, version int, approve bool, by, reason string) (models.PayeeVersion, error) {
	var cur researcherRow
	if err := tx.lockResearcher(researcherID, &cur); err != nil {
		return models.PayeeVersion{}, translate(err, "researcher "+researcherID)
	}
	versions, err := tx.PayeeVersions(researcherID)
	if err != nil {
		return models.PayeeVersion{}, err
	}
	id, err := tx.Identity(by)
	if err != nil {
		return models.PayeeVersion{}, err
	}
	found, err := models.CheckPayeeDecision(versions, version, approve, id)
	if err != nil {
		return found, err
	}
	v := &found
	now := tx.Now()
	status := models.PayeeRejected
	if approve {
		status = models.PayeeActive
	}
	if err := tx.db.Model(&payeeRow{}).Where("researcher_id = ? AND version = ?", researcherID, version).
		Updates(map[string]any{"status": string(status), "decided_by": by, "decided_at": now}).Error; err != nil {
		return *v, translate(err, "decide payee change")
	}
	v.Status, v.DecidedBy, v.DecidedAt = status, by, &now
	if approve {
		// Older pending changes are replaced by this one.
		if err := tx.db.Model(&payeeRow{}).Where("researcher_id = ? AND version < ? AND status = ?", researcherID, version,
			string(models.PayeePending)).Updates(map[string]any{"status": string(models.PayeeRejected), "decided_by": by,
			"decided_at": now}).Error; err != nil {
			return *v, translate(err, "replace older payee changes")
		}
	}
	decision := "rejected"
	if approve {
		decision = "approved"
	}
	if _, _, err := tx.Append(ledger.Draft{
		IdempotencyKey: fmt.Sprintf("payee/%s/v%d/%s", researcherID, version, decision),
		Kind:           ledger.KindPayeeDecision, Actor: by, EffectiveAt: now,
		Data: map[string]string{"researcher_id": researcherID, "version": fmt.Sprint(version), "decision": decision,
			"reason": reason, "caused_by": v.CreatedBy, "payee_hash": v.Hash},
	}); err != nil {
		return *v, err
	}
	if approve {
		return *v, tx.activatePayee(v, by)
	}
	// Awards made for the rejected details go to the version in force,
	// screened again there.
	var rows []awardRow
	if err := tx.db.Where("researcher_id = ? AND state IN ? AND payee_version = ?", researcherID, models.UnsentStates(), version).
		Order("created_at, id").Find(&rows).Error; err != nil {
		return *v, fmt.Errorf("awards of rejected payee version: %w", err)
	}
	for _, r := range rows {
		a := r.model()
		if err := tx.RebindAward(&a, cur.PayeeVersion, by); err != nil {
			return *v, err
		}
	}
	return *v, nil
}

// PayeeVersions lists a researcher's versions, oldest first.
func (tx *Tx) PayeeVersions(researcherID string) ([]models.PayeeVersion, error) {
	return payeeVersions(tx.db, researcherID)
}

// PayeeVersions lists a researcher's versions outside a transaction.
func (s *Store) PayeeVersions(ctx context.Context, researcherID string) ([]models.PayeeVersion, error) {
	return payeeVersions(s.db.WithContext(ctx), researcherID)
}

func payeeVersions(db *gorm.DB, researcherID string) ([]models.PayeeVersion, error) {
	var rows []payeeRow
	if err := db.Where("researcher_id = ?", researcherID).Order("version").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("payee versions of %s: %w", researcherID, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("researcher %s: %w", researcherID, models.ErrNotFound)
	}
	out := make([]models.PayeeVersion, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}

// Payee reads a researcher's active version and pending change.
func (tx *Tx) Payee(researcherID string) (models.PayeeState, error) {
	var cur researcherRow
	if err := tx.db.Where("id = ?", researcherID).Take(&cur).Error; err != nil {
		return models.PayeeState{}, translate(err, "researcher "+researcherID)
	}
	versions, err := tx.PayeeVersions(researcherID)
	if err != nil {
		return models.PayeeState{}, err
	}
	var st models.PayeeState
	for i := range versions {
		v := versions[i]
		if v.Version == cur.PayeeVersion {
			st.Active = v
		}
		if v.Status == models.PayeePending {
			st.Pending = &v
		}
	}
	if st.Active.Version == 0 {
		return st, fmt.Errorf("researcher %s: active payee version %d missing: %w", researcherID, cur.PayeeVersion, models.ErrNotFound)
	}
	return st, nil
}

// Researchers lists every researcher (their active details), by id.
func (s *Store) Researchers(ctx context.Context) ([]models.Researcher, error) {
	var rows []researcherRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list researchers: %w", err)
	}
	out := make([]models.Researcher, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}

// PendingPayeeChanges lists every pending payee version, oldest first.
func (s *Store) PendingPayeeChanges(ctx context.Context) ([]models.PayeeVersion, error) {
	var rows []payeeRow
	if err := s.db.WithContext(ctx).Where("status = ?", string(models.PayeePending)).Order("created_at, researcher_id, version").
		Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("pending payee changes: %w", err)
	}
	out := make([]models.PayeeVersion, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}

// ResearchersSharing returns the researchers other than researcherID that
// have, in any version, the same normalised PayPal receiver or the same
// screened identity as the given details: for maker-checker, whose window
// counts one person's awards together however many ids they have.
func (tx *Tx) ResearchersSharing(researcherID string, r models.Researcher) ([]string, error) {
	q := tx.db.Model(&payeeRow{}).Distinct("researcher_id").Where("researcher_id <> ?", researcherID)
	recv := models.NormalizeReceiver(r.PayPalReceiver)
	ident := models.IdentityHash(r)
	if recv != "" {
		q = q.Where("(receiver_norm = ? OR identity_hash = ?)", recv, ident)
	} else {
		q = q.Where("identity_hash = ?", ident)
	}
	var ids []string
	if err := q.Order("researcher_id").Pluck("researcher_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("researchers sharing a receiver or identity with %s: %w", researcherID, err)
	}
	return ids, nil
}

// SetReceiver is the audited way to change a payee's PayPal receiver (and,
// when plexAccount is not empty, Plex account): a new payee version, from
// the one in force, that a finance person other than by must approve
// before anything more is sent. by must be allowed to change payee
// details.
func (s *Store) SetReceiver(ctx context.Context, researcherID, receiver, plexAccount, by, reason string) (models.PayeeVersion, error) {
	receiver = strings.TrimSpace(receiver)
	if at := strings.IndexByte(receiver, '@'); at < 1 || at == len(receiver)-1 || strings.ContainsAny(receiver, " \t,;<>") {
		return models.PayeeVersion{}, fmt.Errorf("receiver %q: want an email address: %w", receiver, models.ErrInvalid)
	}
	if strings.TrimSpace(reason) == "" {
		return models.PayeeVersion{}, fmt.Errorf("set-receiver %s: --reason is required: %w", researcherID, models.ErrInvalid)
	}
	var out models.PayeeVersion
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Authorize(by, models.ActPayeeChange); err != nil {
			return err
		}
		ps, err := tx.Payee(researcherID)
		if err != nil {
			return err
		}
		r := ps.Active.Researcher
		r.PayPalReceiver = receiver
		if plexAccount != "" {
			r.PlexAccount = strings.TrimSpace(plexAccount)
		}
		if models.PayeeHash(r) == ps.Active.Hash {
			return fmt.Errorf("payee %s already has these details: %w", researcherID, models.ErrConflict)
		}
		out, err = tx.RecordPayee(r, by, "set-receiver", reason)
		return err
	})
	return out, err
}

// DecidePayeeChange is DecidePayeeChange in a transaction of its own.
func (s *Store) DecidePayeeChange(ctx context.Context, researcherID string, version int, approve bool, by, reason string) (models.PayeeVersion, error) {
	if strings.TrimSpace(reason) == "" {
		return models.PayeeVersion{}, fmt.Errorf("payee change %s v%d: --reason is required (how the change was verified): %w", researcherID, version, models.ErrInvalid)
	}
	var out models.PayeeVersion
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.DecidePayeeChange(researcherID, version, approve, by, reason)
		return err
	})
	return out, err
}

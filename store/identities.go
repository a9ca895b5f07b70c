package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

type identityRow struct {
	Name       string `gorm:"primaryKey"`
	Kind       string
	Roles      string
	CreatedBy  string
	CreatedAt  time.Time
	DisabledAt *time.Time
}

func (identityRow) TableName() string { return "identities" }

func (r identityRow) model() models.Identity {
	id := models.Identity{Name: r.Name, Kind: models.IdentityKind(r.Kind)}
	for _, s := range strings.Split(r.Roles, ",") {
		if s != "" {
			id.Roles = append(id.Roles, models.Role(s))
		}
	}
	return id
}

// Identity reads an enabled identity by name (compared without case).
// Errors: models.ErrNotFound when there is none.
func (s *Store) Identity(ctx context.Context, name string) (models.Identity, error) {
	return identity(s.db.WithContext(ctx), name)
}

// Identity reads an enabled identity inside the transaction.
func (tx *Tx) Identity(name string) (models.Identity, error) { return identity(tx.db, name) }

func identity(db *gorm.DB, name string) (models.Identity, error) {
	var r identityRow
	err := db.Where("LOWER(name) = ? AND disabled_at IS NULL", models.NormalizeActor(name)).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Identity{}, fmt.Errorf("%q is not a configured identity (bountypay identity add): %w", strings.TrimSpace(name), models.ErrNotFound)
	}
	if err != nil {
		return models.Identity{}, fmt.Errorf("identity %s: %w", name, err)
	}
	return r.model(), nil
}

// Identities lists the enabled identities by name.
func (s *Store) Identities(ctx context.Context) ([]models.Identity, error) {
	var rows []identityRow
	if err := s.db.WithContext(ctx).Where("disabled_at IS NULL").Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list identities: %w", err)
	}
	out := make([]models.Identity, len(rows))
	for i, r := range rows {
		out[i] = r.model()
	}
	return out, nil
}

// Authorize returns the enabled identity named by if it may do act.
// Errors wrap models.ErrNotFound (no such identity) or models.ErrInvalid
// (not allowed).
func (tx *Tx) Authorize(by string, act models.Action) (models.Identity, error) {
	id, err := tx.Identity(by)
	if err != nil {
		return id, err
	}
	return id, id.Can(act)
}

// Authorize is Authorize outside a transaction.
func (s *Store) Authorize(ctx context.Context, by string, act models.Action) (models.Identity, error) {
	id, err := s.Identity(ctx, by)
	if err != nil {
		return id, err
	}
	return id, id.Can(act)
}

// PutIdentity adds or changes an identity, recorded in the ledger with
// the administrator as actor. by must be an enabled admin, except for the
// very first identity (models.CheckFirstIdentity). Errors: models.ErrInvalid.
func (s *Store) PutIdentity(ctx context.Context, id models.Identity, by string) error {
	id, err := id.Validate()
	if err != nil {
		return err
	}
	roles := make([]string, len(id.Roles))
	for i, r := range id.Roles {
		roles[i] = string(r)
	}
	return s.InTx(ctx, func(tx *Tx) error {
		var n int64
		if err := tx.db.Model(&identityRow{}).Where("disabled_at IS NULL").Count(&n).Error; err != nil {
			return fmt.Errorf("count identities: %w", err)
		}
		if n == 0 {
			if err := models.CheckFirstIdentity(id); err != nil {
				return err
			}
			by = id.Name
		} else if _, err := tx.Authorize(by, models.ActManageIdentity); err != nil {
			return err
		}
		now := tx.Now()
		row := identityRow{Name: id.Name, Kind: string(id.Kind), Roles: strings.Join(roles, ","), CreatedBy: by, CreatedAt: now}
		if err := tx.db.Where("LOWER(name) = ?", models.NormalizeActor(id.Name)).Delete(&identityRow{}).Error; err != nil {
			return translate(err, "replace identity "+id.Name)
		}
		if err := tx.db.Create(&row).Error; err != nil {
			return translate(err, "insert identity "+id.Name)
		}
		_, _, err := tx.Append(ledger.Draft{
			IdempotencyKey: fmt.Sprintf("identity/%s/%s", models.NormalizeActor(id.Name), now.Format(time.RFC3339Nano)),
			Kind:           ledger.KindIdentity, Actor: by, EffectiveAt: now,
			Data: map[string]string{"identity": id.Name, "kind": string(id.Kind), "roles": row.Roles, "action": "put"},
		})
		return err
	})
}

// DisableIdentity disables an identity (it keeps its name in the ledger).
// by must be an enabled admin other than the identity itself.
func (s *Store) DisableIdentity(ctx context.Context, name, by string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Authorize(by, models.ActManageIdentity); err != nil {
			return err
		}
		if models.NormalizeActor(name) == models.NormalizeActor(by) {
			return fmt.Errorf("%s may not disable themselves: %w", by, models.ErrInvalid)
		}
		now := tx.Now()
		res := tx.db.Model(&identityRow{}).Where("LOWER(name) = ? AND disabled_at IS NULL", models.NormalizeActor(name)).Update("disabled_at", now)
		if res.Error != nil {
			return translate(res.Error, "disable identity "+name)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("%q is not an enabled identity: %w", name, models.ErrNotFound)
		}
		_, _, err := tx.Append(ledger.Draft{
			IdempotencyKey: fmt.Sprintf("identity/%s/%s", models.NormalizeActor(name), now.Format(time.RFC3339Nano)),
			Kind:           ledger.KindIdentity, Actor: by, EffectiveAt: now,
			Data: map[string]string{"identity": name, "action": "disable"},
		})
		return err
	})
}

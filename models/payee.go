package models

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// PayeeStatus is where a payee version stands. Persisted; append-only.
type PayeeStatus string

// The payee version statuses.
const (
	// PayeeActive: the version in force; value may leave for it.
	PayeeActive PayeeStatus = "active"
	// PayeePending: a payee change waiting for a person other than the one
	// who caused it; the payee's unsent awards wait meanwhile.
	PayeePending PayeeStatus = "pending"
	// PayeeRejected: a payee change that was refused; never in force.
	PayeeRejected PayeeStatus = "rejected"
	// PayeeSuperseded: once active, replaced by a later version.
	PayeeSuperseded PayeeStatus = "superseded"
)

// PayeeVersion is a researcher's identity and payment details at one time.
// Imports never overwrite a version: a difference makes a new one. Awards,
// screenings, approvals and send attempts name the version they were made
// for.
type PayeeVersion struct {
	Researcher
	Version int
	// Hash identifies the details (PayeeHash).
	Hash   string
	Status PayeeStatus
	// CreatedBy caused the version (the importer, or the person who set a
	// receiver); Source says how ("report R-1", "set-receiver").
	CreatedBy string
	Source    string
	Reason    string
	CreatedAt time.Time
	// Changed lists the fields that differ from the version before.
	Changed []string
	// NeedsRoles are the roles one of which the approver of a pending
	// change must have.
	NeedsRoles []Role
	DecidedBy  string
	DecidedAt  *time.Time
}

// payeeFields lists a researcher's details in a fixed order: what a payee
// version is made of.
func payeeFields(r Researcher) [][2]string {
	return [][2]string{
		{"name", r.Name}, {"email", r.Email}, {"country", r.Country}, {"region", r.Region},
		{"city", r.City}, {"postal_code", r.PostalCode}, {"paypal_receiver", r.PayPalReceiver},
		{"plex_account", r.PlexAccount}, {"date_of_birth", r.DateOfBirth},
	}
}

// ReceiverFields are the payment details whose change is a payee change
// that a second person must approve.
var ReceiverFields = []string{"paypal_receiver", "plex_account"}

// IdentityFields are the details screening looks at.
var IdentityFields = []string{"name", "country", "region", "city", "postal_code", "date_of_birth"}

// PayeeHash is the lowercase hex SHA-256 of a canonical encoding of the
// researcher's id and details.
func PayeeHash(r Researcher) string {
	var b strings.Builder
	b.WriteString("bountypay.payee.v1\n")
	b.WriteString("id=" + strconv.Quote(r.ID) + "\n")
	for _, f := range payeeFields(r) {
		b.WriteString(f[0] + "=" + strconv.Quote(f[1]) + "\n")
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// FieldHash is the hash of one detail's value, for ledger entries that say
// what changed without personal data.
func FieldHash(v string) string {
	sum := sha256.Sum256([]byte("bountypay.field.v1\n" + v))
	return hex.EncodeToString(sum[:8])
}

// ChangedFields lists the details that differ between two versions, in
// the fixed field order.
func ChangedFields(old, new Researcher) []string {
	of, nf := payeeFields(old), payeeFields(new)
	var out []string
	for i := range of {
		if of[i][1] != nf[i][1] {
			out = append(out, of[i][0])
		}
	}
	return out
}

// FieldValue returns one detail by its field name.
func FieldValue(r Researcher, field string) string {
	for _, f := range payeeFields(r) {
		if f[0] == field {
			return f[1]
		}
	}
	return ""
}

// NormalizeReceiver is how PayPal receivers are compared: case and
// surrounding space do not make another receiver.
func NormalizeReceiver(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// IdentityHash identifies the screened identity of a payee: normalised
// name (case-folded, punctuation and spacing ignored), date
// of birth and country. A remembered screening decision is keyed by it, so
// a decision about one person never carries over to another under the
// same researcher id.
func IdentityHash(r Researcher) string {
	name := r.Name
	var b strings.Builder
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(c rune) bool {
		return !unicode.IsLetter(c) && !unicode.IsDigit(c) && !unicode.Is(unicode.Mn, c)
	}) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	sum := sha256.Sum256([]byte("bountypay.identity.v1\n" + b.String() + "\n" +
		strings.TrimSpace(r.DateOfBirth) + "\n" + strings.ToUpper(strings.TrimSpace(r.Country))))
	return hex.EncodeToString(sum[:16])
}

// PayeeState is what sending needs to know about a researcher's payee.
type PayeeState struct {
	// Active is the version in force.
	Active PayeeVersion
	// Pending is the newest change waiting for a decision, if any.
	Pending *PayeeVersion
}

// PayeeChangeNeeds says which roles may approve a change from old to new,
// or none when the change takes effect at once: a new receiver (PayPal or
// Plex account) needs finance; a new identity (name, date of birth,
// address) of a payee under sanctions review needs compliance, so that
// re-importing a held payee under another name cannot clear the hold.
func PayeeChangeNeeds(old, new Researcher, underReview bool) []Role {
	changed := ChangedFields(old, new)
	var roles []Role
	for _, f := range changed {
		if slices.Contains(ReceiverFields, f) {
			roles = append(roles, RoleFinance)
			break
		}
	}
	if underReview {
		for _, f := range changed {
			if slices.Contains(IdentityFields, f) {
				roles = append(roles, RoleCompliance)
				break
			}
		}
	}
	return roles
}

// SamePayeeVersion returns the active or pending version among versions
// whose details are r, if there is one: details already recorded are that
// version, not a new one.
func SamePayeeVersion(versions []PayeeVersion, r Researcher) (PayeeVersion, bool) {
	hash := PayeeHash(r)
	for _, o := range versions {
		if o.Hash == hash && (o.Status == PayeeActive || o.Status == PayeePending) {
			return o, true
		}
	}
	return PayeeVersion{}, false
}

// NextPayeeVersion is the new version the details r make among a
// researcher's versions, against the details in force (active), numbered
// after the last one: pending when PayeeChangeNeeds names a role, active
// otherwise. The caller stores it and, when it is active, puts it in force.
func NextPayeeVersion(versions []PayeeVersion, active, r Researcher, underReview bool) PayeeVersion {
	last := 0
	for _, o := range versions {
		last = max(last, o.Version)
	}
	v := PayeeVersion{Researcher: r, Version: last + 1, Hash: PayeeHash(r), Status: PayeeActive,
		Changed: ChangedFields(active, r), NeedsRoles: PayeeChangeNeeds(active, r, underReview)}
	if len(v.NeedsRoles) > 0 {
		v.Status = PayeePending
	}
	return v
}

// CheckPayeeDecision says whether decider may approve (or reject) version
// n of a researcher's versions, and returns that version. The version must
// be pending; the decider must not have caused it and must have a role the
// change needs (finance for a new receiver, compliance for a new identity
// of a payee under review); an approval must be of the newest pending
// change. Errors: ErrNotFound, ErrConflict (not pending, or a newer change
// is pending), ErrInvalid (the decider caused it or lacks the role).
func CheckPayeeDecision(versions []PayeeVersion, n int, approve bool, decider Identity) (PayeeVersion, error) {
	i := slices.IndexFunc(versions, func(v PayeeVersion) bool { return v.Version == n })
	if i < 0 {
		id := ""
		if len(versions) > 0 {
			id = versions[0].ID + " "
		}
		return PayeeVersion{}, fmt.Errorf("payee %shas no version %d: %w", id, n, ErrNotFound)
	}
	v := versions[i]
	switch {
	case v.Status != PayeePending:
		return v, fmt.Errorf("payee %s version %d is %s, not pending: %w", v.ID, n, v.Status, ErrConflict)
	case NormalizeActor(decider.Name) == NormalizeActor(v.CreatedBy):
		return v, fmt.Errorf("%s caused payee change %s v%d and may not decide it: %w", decider.Name, v.ID, n, ErrInvalid)
	}
	if err := decider.Can(ActApprovePayee); err != nil && slices.Contains(v.NeedsRoles, RoleFinance) {
		return v, err
	}
	if err := decider.Can(ActReview); err != nil && slices.Contains(v.NeedsRoles, RoleCompliance) {
		return v, fmt.Errorf("payee change %s v%d changes the identity of a payee under sanctions review: %w", v.ID, n, err)
	}
	if approve {
		for _, o := range versions[i+1:] {
			if o.Status == PayeePending {
				return v, fmt.Errorf("payee %s: a newer change (version %d) is pending; decide that one: %w", v.ID, o.Version, ErrConflict)
			}
		}
	}
	return v, nil
}

package models

import (
	"fmt"
	"slices"
	"strings"
)

// Role is what an identity may do. Persisted; append-only.
type Role string

// The roles.
const (
	// RoleImporter hands approved reports over (a triage integration).
	RoleImporter Role = "importer"
	// RoleCompliance reviews sanctions holds and loads lists.
	RoleCompliance Role = "compliance"
	// RoleFinance approves awards and payee changes and corrects payouts.
	RoleFinance Role = "finance"
	// RoleFinanceAdmin is finance plus closing months and the pass pool.
	RoleFinanceAdmin Role = "finance-admin"
	// RoleViewer reads.
	RoleViewer Role = "viewer"
	// RoleAdmin manages identities. It decides nothing about money or
	// sanctions by itself.
	RoleAdmin Role = "admin"
)

// AllRoles lists every role.
func AllRoles() []Role {
	return []Role{RoleImporter, RoleCompliance, RoleFinance, RoleFinanceAdmin, RoleViewer, RoleAdmin}
}

// ParseRole returns the role named s, or an error wrapping ErrInvalid.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(AllRoles(), r) {
		return "", fmt.Errorf("role %q: want one of importer, compliance, finance, finance-admin, viewer, admin: %w", s, ErrInvalid)
	}
	return r, nil
}

// IdentityKind says whether an identity is a person. Only people count as
// one of the four eyes.
type IdentityKind string

// The identity kinds.
const (
	KindPerson  IdentityKind = "person"
	KindService IdentityKind = "service"
)

// Identity is a configured actor: a person or a service with roles.
type Identity struct {
	Name  string
	Kind  IdentityKind
	Roles []Role
}

// IsPerson reports whether the identity is a person.
func (id Identity) IsPerson() bool { return id.Kind == KindPerson }

// Has reports whether the identity has role r.
func (id Identity) Has(r Role) bool { return slices.Contains(id.Roles, r) }

// Action is something an identity may be allowed to do.
type Action string

// The actions, each with the roles that may do it (see Permissions).
const (
	ActImport         Action = "import reports"
	ActReview         Action = "decide sanctions holds"
	ActLoadList       Action = "load sanctions lists"
	ActApprove        Action = "approve awards"
	ActPayeeChange    Action = "change payee details"
	ActApprovePayee   Action = "approve payee changes"
	ActPayout         Action = "retry, cancel or resolve payouts"
	ActCorrect        Action = "cancel, adjust or fulfil awards"
	ActTaxForm        Action = "record tax forms"
	ActSeal           Action = "seal ledger months"
	ActPasses         Action = "import Plex Pass codes"
	ActManageIdentity Action = "manage identities"
	ActView           Action = "read pages and reports"
)

// permissions is the one table of who may do what. Deny by default: an
// action not listed, or an identity without one of its roles, is refused.
var permissions = map[Action][]Role{
	ActImport:         {RoleImporter},
	ActReview:         {RoleCompliance},
	ActLoadList:       {RoleCompliance, RoleAdmin},
	ActApprove:        {RoleFinance, RoleFinanceAdmin},
	ActPayeeChange:    {RoleFinance, RoleFinanceAdmin},
	ActApprovePayee:   {RoleFinance, RoleFinanceAdmin},
	ActPayout:         {RoleFinance, RoleFinanceAdmin},
	ActCorrect:        {RoleFinance, RoleFinanceAdmin},
	ActTaxForm:        {RoleFinance, RoleFinanceAdmin},
	ActSeal:           {RoleFinanceAdmin},
	ActPasses:         {RoleFinanceAdmin, RoleAdmin},
	ActManageIdentity: {RoleAdmin},
	ActView:           {RoleImporter, RoleCompliance, RoleFinance, RoleFinanceAdmin, RoleViewer, RoleAdmin},
}

// personOnly are the actions a service identity may never do, whatever
// its roles: decisions that need a person.
var personOnly = map[Action]bool{
	ActReview: true, ActApprove: true, ActApprovePayee: true, ActPayout: true,
	ActCorrect: true, ActSeal: true, ActManageIdentity: true, ActPayeeChange: true,
}

// RolesFor lists the roles that may do act.
func RolesFor(act Action) []Role { return slices.Clone(permissions[act]) }

// Can reports why id may not do act, or nil. The error wraps ErrInvalid.
func (id Identity) Can(act Action) error {
	if id.Kind == KindService && personOnly[act] {
		return fmt.Errorf("%s is a service identity: only a person may %s: %w", id.Name, act, ErrInvalid)
	}
	for _, r := range permissions[act] {
		if id.Has(r) {
			return nil
		}
	}
	want := make([]string, 0, len(permissions[act]))
	for _, r := range permissions[act] {
		want = append(want, string(r))
	}
	return fmt.Errorf("%s may not %s: needs role %s: %w", id.Name, act, strings.Join(want, " or "), ErrInvalid)
}

// NormalizeActor is how actor names are compared: case and surrounding
// space do not make another person.
func NormalizeActor(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate checks an identity to store and returns it normalised: a
// trimmed name without commas, colons or newlines (they separate names in
// the ledger and the approval lists), a known kind and at least one known
// role, each once, sorted. Errors wrap ErrInvalid.
func (id Identity) Validate() (Identity, error) {
	id.Name = strings.TrimSpace(id.Name)
	if id.Name == "" || strings.ContainsAny(id.Name, ",:\n") {
		return id, fmt.Errorf("identity name %q: want a non-empty name without commas, colons or newlines: %w", id.Name, ErrInvalid)
	}
	if id.Kind != KindPerson && id.Kind != KindService {
		return id, fmt.Errorf("identity %s: kind %q: want person or service: %w", id.Name, id.Kind, ErrInvalid)
	}
	if len(id.Roles) == 0 {
		return id, fmt.Errorf("identity %s: at least one role is required: %w", id.Name, ErrInvalid)
	}
	roles := make([]Role, 0, len(id.Roles))
	for _, r := range id.Roles {
		if _, err := ParseRole(string(r)); err != nil {
			return id, fmt.Errorf("identity %s: %w", id.Name, err)
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	slices.Sort(roles)
	id.Roles = roles
	return id, nil
}

// CheckFirstIdentity is the bootstrap rule: with no identity yet, the first
// one must be an administrator and a person (whoever can reach the
// database is an administrator anyway); it is its own creator.
func CheckFirstIdentity(id Identity) error {
	if !id.Has(RoleAdmin) || !id.IsPerson() {
		return fmt.Errorf("no identities yet: the first one must be an admin person (--role admin): %w", ErrInvalid)
	}
	return nil
}

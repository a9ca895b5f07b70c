package compliance

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plex/bountypay/models"
)

//go:embed rules/policy-*.yaml
var policyFiles embed.FS

// MaxRulesSize bounds a policy or jurisdiction rules file.
const MaxRulesSize = 1 << 20

// Policy is one version of the program's rules: which categories qualify,
// what each severity earns, and when the version took effect. Load one
// with LoadPolicy; it is immutable afterwards.
type Policy struct {
	// Version names this version; every decision records it.
	Version string
	// EffectiveFrom is when the version starts to apply, by a report's
	// approval time.
	EffectiveFrom time.Time
	// Source says where the rules come from (the public policy's URL).
	Source string
	// Description is free text for people.
	Description string
	// ReproductionRequired rejects reports the engineers did not reproduce.
	ReproductionRequired bool
	// Categories has a rule for every models.Category.
	Categories map[models.Category]CategoryRule
	// Severities has the reward of every models.Severity; an empty reward
	// means nothing is given.
	Severities map[models.Severity]models.Reward
	// Reasons quotes the policy in rejections.
	Reasons PolicyReasons

	raw  []byte
	hash string
}

// CategoryRule says whether a category of finding qualifies for a reward.
type CategoryRule struct {
	// Qualifies is true for the categories the policy rewards.
	Qualifies bool
	// WithOverride makes a non-qualifying category qualify when the report
	// carries an explicit reward from triage (the "other" category).
	WithOverride bool
	// Description explains the category.
	Description string
	// Reason explains why the category does not qualify, quoting the
	// policy.
	Reason string
}

// PolicyReasons are the policy's words for each kind of rejection.
type PolicyReasons struct {
	Rejected      string // triage rejected the report
	Duplicate     string // a duplicate gets nothing
	NotReproduced string // engineers could not reproduce it
	NoReward      string // the severity earns nothing
}

// Decision is what a policy makes of one report: awards, or a rejection
// with a reason.
type Decision struct {
	// PolicyVersion is the version that decided.
	PolicyVersion string
	// Awards are the report's awards (money, plex_pass, other), in that
	// order, in state pending; none when Rejected.
	Awards []models.Award
	// Rejected is true when the report earns nothing.
	Rejected bool
	// Reason explains a rejection, or where the awards come from.
	Reason string
	// Override is true when the report's reward replaced the severity
	// table.
	Override bool
}

// Hash returns the lowercase hex SHA-256 of the policy's YAML source.
func (p *Policy) Hash() string { return p.hash }

// YAML returns the policy's YAML source, as loaded.
func (p *Policy) YAML() []byte { return bytes.Clone(p.raw) }

// LoadPolicy reads and strictly validates one policy rules file: unknown
// or repeated keys, missing fields, categories and severities that are not
// exactly models.AllCategories and models.AllSeverities, and bad money
// (amounts must be quoted decimal strings in a known currency, more than
// zero) are errors naming the YAML line. Every error wraps
// models.ErrInvalid; read errors are returned as they are.
func LoadPolicy(r io.Reader) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRulesSize+1))
	if err != nil {
		return nil, fmt.Errorf("read policy: %w", err)
	}
	if len(data) > MaxRulesSize {
		return nil, fmt.Errorf("policy: larger than %d bytes: %w", MaxRulesSize, models.ErrInvalid)
	}
	e := &yamlErrors{what: "policy"}
	root := parseYAMLDocument(data, e)
	if root == nil {
		return nil, e.err()
	}
	p := &Policy{
		Categories: map[models.Category]CategoryRule{},
		Severities: map[models.Severity]models.Reward{},
		raw:        data,
	}
	var have = map[string]*yaml.Node{}
	for _, f := range mappingFields(root, "", e, "version", "effective_from", "source", "description",
		"reproduction_required", "reasons", "categories", "severities") {
		have[f.key] = f.value
		switch f.key {
		case "version":
			p.Version = yamlString(f.value, f.key, e)
			checkVersion(f.value, p.Version, e)
		case "effective_from":
			p.EffectiveFrom = yamlDate(f.value, f.key, e)
		case "source":
			p.Source = yamlString(f.value, f.key, e)
		case "description":
			p.Description = yamlString(f.value, f.key, e)
		case "reproduction_required":
			p.ReproductionRequired = yamlBool(f.value, f.key, e)
		case "reasons":
			p.Reasons = loadPolicyReasons(f.value, e)
		case "categories":
			loadCategories(p, f.value, e)
		case "severities":
			loadSeverities(p, f.value, e)
		}
	}
	for _, k := range []string{"version", "effective_from", "reproduction_required", "reasons", "categories", "severities"} {
		if have[k] == nil {
			e.add(root, k, "required")
		}
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.hash = hex.EncodeToString(sum[:])
	return p, nil
}

func loadPolicyReasons(n *yaml.Node, e *yamlErrors) PolicyReasons {
	var r PolicyReasons
	keys := []string{"rejected", "duplicate", "not_reproduced", "no_reward"}
	set := map[string]bool{}
	for _, f := range mappingFields(n, "reasons", e, keys...) {
		s := yamlString(f.value, "reasons."+f.key, e)
		if s == "" {
			continue
		}
		set[f.key] = true
		switch f.key {
		case "rejected":
			r.Rejected = s
		case "duplicate":
			r.Duplicate = s
		case "not_reproduced":
			r.NotReproduced = s
		case "no_reward":
			r.NoReward = s
		}
	}
	for _, k := range keys {
		if !set[k] {
			e.add(n, "reasons."+k, "required")
		}
	}
	return r
}

func loadCategories(p *Policy, n *yaml.Node, e *yamlErrors) {
	for _, f := range mappingFields(n, "categories", e) {
		path := "categories." + f.key
		c := models.Category(f.key)
		if !slices.Contains(models.AllCategories(), c) {
			e.add(f.keyN, path, "unknown category (known: %s)", policyJoin(models.AllCategories()))
			continue
		}
		var rule CategoryRule
		var hasQualifies bool
		for _, cf := range mappingFields(f.value, path, e, "qualifies", "with_override", "description", "reason") {
			switch cf.key {
			case "qualifies":
				hasQualifies = true
				rule.Qualifies = yamlBool(cf.value, path+".qualifies", e)
			case "with_override":
				rule.WithOverride = yamlBool(cf.value, path+".with_override", e)
			case "description":
				rule.Description = yamlString(cf.value, path+".description", e)
			case "reason":
				rule.Reason = yamlString(cf.value, path+".reason", e)
			}
		}
		switch {
		case !hasQualifies:
			e.add(f.value, path+".qualifies", "required")
		case !rule.Qualifies && rule.Reason == "":
			e.add(f.value, path+".reason", "required for a category that does not qualify")
		case rule.Qualifies && rule.WithOverride:
			e.add(f.value, path+".with_override", "only for a category that does not qualify")
		}
		p.Categories[c] = rule
	}
	for _, c := range models.AllCategories() {
		if _, ok := p.Categories[c]; !ok {
			e.add(n, "categories", "no rule for category %s", c)
		}
	}
}

func loadSeverities(p *Policy, n *yaml.Node, e *yamlErrors) {
	for _, f := range mappingFields(n, "severities", e) {
		path := "severities." + f.key
		s := models.Severity(f.key)
		if !slices.Contains(models.AllSeverities(), s) {
			e.add(f.keyN, path, "unknown severity (known: %s)", policyJoin(models.AllSeverities()))
			continue
		}
		p.Severities[s] = loadReward(f.value, path, e)
	}
	for _, s := range models.AllSeverities() {
		if _, ok := p.Severities[s]; !ok {
			e.add(n, "severities", "no reward for severity %s", s)
		}
	}
}

func loadReward(n *yaml.Node, path string, e *yamlErrors) models.Reward {
	var r models.Reward
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return r // "none:" with nothing: no reward
	}
	for _, f := range mappingFields(n, path, e, "money", "plex_pass", "other") {
		switch f.key {
		case "money":
			r.Money = loadMoney(f.value, path+".money", e)
		case "plex_pass":
			r.PlexPass = yamlBool(f.value, path+".plex_pass", e)
		case "other":
			r.Other = yamlString(f.value, path+".other", e)
		}
	}
	return r
}

func loadMoney(n *yaml.Node, path string, e *yamlErrors) *models.Money {
	var amount, currency string
	var an, cn *yaml.Node
	for _, f := range mappingFields(n, path, e, "amount", "currency") {
		switch f.key {
		case "amount":
			an = f.value
			amount, _ = yamlQuoted(f.value, path+".amount", e, `a decimal such as "5000.00" (never a number)`)
		case "currency":
			cn = f.value
			currency = yamlString(f.value, path+".currency", e)
		}
	}
	if an == nil {
		e.add(n, path+".amount", "required")
	}
	if cn == nil {
		e.add(n, path+".currency", "required")
	}
	if amount == "" || currency == "" {
		return nil
	}
	if _, ok := models.CurrencyExponent(currency); !ok {
		e.add(cn, path+".currency", "%q is not an ISO 4217 currency bountypay pays in", currency)
		return nil
	}
	m, err := models.ParseMoney(amount, currency)
	if err != nil {
		e.add(an, path+".amount", "%q is not a valid %s amount (digits, at most the currency's decimal places)", amount, currency)
		return nil
	}
	if m.Minor <= 0 {
		e.add(an, path+".amount", "must be more than zero; leave money out to give none")
		return nil
	}
	return &m
}

func policyJoin[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// DefaultPolicies returns the policy versions shipped with bountypay
// (compliance/rules/policy-*.yaml), oldest first.
func DefaultPolicies() ([]*Policy, error) {
	names, err := fs.Glob(policyFiles, "rules/policy-*.yaml")
	if err != nil {
		return nil, fmt.Errorf("embedded policies: %w", err)
	}
	var out []*Policy
	for _, name := range names {
		data, err := policyFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("embedded policy %s: %w", name, err)
		}
		p, err := LoadPolicy(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("embedded policy %s: %w", name, err)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Policy) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	return out, nil
}

// Decide applies the policy to one report. A report earns nothing
// (Rejected, with a reason) when triage rejected it, it is a duplicate,
// its category does not qualify (an "other"-like category qualifies only
// with an explicit reward), it was not reproduced although the policy
// requires it, or the reward comes to nothing (severity none). Otherwise
// the report's reward override, when present, replaces the severity
// table's reward entirely, and each part (money, pass, other) becomes one
// pending award with a deterministic id (models.AwardID).
func (p *Policy) Decide(r models.Report) Decision {
	d := Decision{PolicyVersion: p.Version}
	reject := func(format string, args ...any) Decision {
		d.Rejected, d.Reason = true, fmt.Sprintf(format, args...)
		return d
	}
	switch r.Status {
	case models.ReportApproved:
	case models.ReportRejected:
		return reject("status rejected: %s", p.Reasons.Rejected)
	case models.ReportDuplicate:
		return reject("duplicate of %s: %s", cmp.Or(r.DuplicateOf, "an earlier report"), p.Reasons.Duplicate)
	default:
		return reject("unknown report status %q", r.Status)
	}
	rule, ok := p.Categories[r.Category]
	if !ok {
		return reject("category %q is not in policy %s", r.Category, p.Version)
	}
	override := r.Reward != nil
	if !rule.Qualifies && !(rule.WithOverride && override) {
		return reject("category %s does not qualify: %s", r.Category, rule.Reason)
	}
	if p.ReproductionRequired && !r.Reproduced {
		return reject("not reproduced: %s", p.Reasons.NotReproduced)
	}
	reward, ok := p.Severities[r.Severity]
	if !ok && !override {
		return reject("severity %q is not in policy %s", r.Severity, p.Version)
	}
	basis := fmt.Sprintf("policy %s: %s %s", p.Version, r.Category, r.Severity)
	if override {
		reward, d.Override = *r.Reward, true
		basis = fmt.Sprintf("policy %s: reward set by triage for %s %s", p.Version, r.Category, r.Severity)
	}
	base := models.Award{ReportID: r.ID, ResearcherID: r.Researcher.ID, State: models.StatePending,
		PolicyVersion: p.Version, Reason: basis}
	if m := reward.Money; m != nil && m.Minor > 0 {
		a := base
		a.ID, a.Kind, a.Amount = models.AwardID(r.ID, models.AwardMoney), models.AwardMoney, *m
		if override {
			// An override that gives more money than the severity table
			// (or money the table does not give) always needs approvals:
			// the importer must not set the amount alone.
			table := p.Severities[r.Severity].Money
			a.AbovePolicy = table == nil || table.Currency != m.Currency || m.Minor > table.Minor
		}
		d.Awards = append(d.Awards, a)
	}
	if reward.PlexPass {
		a := base
		a.ID, a.Kind, a.Description = models.AwardID(r.ID, models.AwardPlexPass), models.AwardPlexPass, "lifetime Plex Pass"
		d.Awards = append(d.Awards, a)
	}
	if reward.Other != "" {
		a := base
		a.ID, a.Kind, a.Description = models.AwardID(r.ID, models.AwardOther), models.AwardOther, reward.Other
		d.Awards = append(d.Awards, a)
	}
	if len(d.Awards) == 0 && override {
		return reject("the report's reward override gives nothing")
	}
	if len(d.Awards) == 0 {
		return reject("severity %s: %s", r.Severity, p.Reasons.NoReward)
	}
	d.Reason = basis
	return d
}

// Render writes the policy as readable tables (for `bountypay policy
// show`).
func (p *Policy) Render(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Policy %s, effective from %s (sha256 %.12s)\n", p.Version, formatEffective(p.EffectiveFrom), p.hash)
	if p.Source != "" {
		fmt.Fprintf(&b, "Source: %s\n", p.Source)
	}
	if p.Description != "" {
		fmt.Fprintf(&b, "%s\n", p.Description)
	}
	fmt.Fprintf(&b, "\nReproduction required: %s\nDuplicates: nothing (%s)\n\n", policyYesNo(p.ReproductionRequired), p.Reasons.Duplicate)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tQUALIFIES\tNOTE")
	for _, c := range models.AllCategories() {
		rule := p.Categories[c]
		q, note := policyYesNo(rule.Qualifies), rule.Description
		if !rule.Qualifies {
			note = rule.Reason
			if rule.WithOverride {
				q = "with override"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", c, q, note)
	}
	tw.Flush()
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SEVERITY\tMONEY\tPLEX PASS\tOTHER")
	for _, s := range models.AllSeverities() {
		rw := p.Severities[s]
		money := "-"
		if rw.Money != nil {
			money = rw.Money.String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s, money, policyYesNo(rw.PlexPass), cmp.Or(rw.Other, "-"))
	}
	tw.Flush()
	b.WriteString("\nA report's own reward (money, plex_pass, other) replaces its severity's row.\n")
	_, err := w.Write(b.Bytes())
	return err
}

func policyYesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func formatEffective(t time.Time) string {
	if t.Equal(t.Truncate(24*time.Hour)) && t.Location() == time.UTC {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339)
}

// PolicySet holds every policy version and picks the one in effect at a
// time.
type PolicySet struct {
	policies []*Policy // by EffectiveFrom, oldest first
}

// NewPolicySet returns a set of the given versions. No versions, two with
// the same version string, or two effective from the same time are errors
// wrapping models.ErrInvalid.
func NewPolicySet(policies ...*Policy) (*PolicySet, error) {
	if len(policies) == 0 {
		return nil, fmt.Errorf("policy set: no policies: %w", models.ErrInvalid)
	}
	ps := slices.Clone(policies)
	slices.SortFunc(ps, func(a, b *Policy) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	seen := map[string]bool{}
	for i, p := range ps {
		if seen[p.Version] {
			return nil, fmt.Errorf("policy set: version %s appears twice: %w", p.Version, models.ErrInvalid)
		}
		seen[p.Version] = true
		if i > 0 && ps[i-1].EffectiveFrom.Equal(p.EffectiveFrom) {
			return nil, fmt.Errorf("policy set: versions %s and %s both take effect at %s: %w",
				ps[i-1].Version, p.Version, formatEffective(p.EffectiveFrom), models.ErrInvalid)
		}
	}
	return &PolicySet{policies: ps}, nil
}

// DefaultPolicySet returns the set of the embedded policy versions.
func DefaultPolicySet() (*PolicySet, error) {
	ps, err := DefaultPolicies()
	if err != nil {
		return nil, err
	}
	return NewPolicySet(ps...)
}

// Policies returns every version, oldest first.
func (s *PolicySet) Policies() []*Policy { return slices.Clone(s.policies) }

// Latest returns the version that takes effect last.
func (s *PolicySet) Latest() *Policy { return s.policies[len(s.policies)-1] }

// Version returns the policy with version v, or an error wrapping
// models.ErrNotFound.
func (s *PolicySet) Version(v string) (*Policy, error) {
	for _, p := range s.policies {
		if p.Version == v {
			return p, nil
		}
	}
	return nil, fmt.Errorf("policy version %q: %w", v, models.ErrNotFound)
}

// At returns the version in effect at t: the last one whose EffectiveFrom
// is not after t. Before the first version it returns an error wrapping
// models.ErrNotFound.
func (s *PolicySet) At(t time.Time) (*Policy, error) {
	i, _ := slices.BinarySearchFunc(s.policies, t, func(p *Policy, t time.Time) int {
		if p.EffectiveFrom.After(t) {
			return 1
		}
		return -1
	})
	if i == 0 {
		return nil, fmt.Errorf("no policy in effect at %s (the first takes effect %s): %w",
			t.UTC().Format(time.RFC3339), formatEffective(s.policies[0].EffectiveFrom), models.ErrNotFound)
	}
	return s.policies[i-1], nil
}

// Decide applies the version in effect when the report was approved
// (ApprovedAt). An approved report without ApprovedAt is an error wrapping
// models.ErrInvalid; a rejected or duplicate one without it is decided by
// the oldest version (any version rejects it). An approval time before the
// first version is an error wrapping models.ErrNotFound.
func (s *PolicySet) Decide(r models.Report) (Decision, error) {
	if r.ApprovedAt.IsZero() {
		if r.Status == models.ReportApproved {
			return Decision{}, fmt.Errorf("report %s: approved without approved_at: %w", r.ID, models.ErrInvalid)
		}
		return s.policies[0].Decide(r), nil
	}
	p, err := s.At(r.ApprovedAt)
	if err != nil {
		return Decision{}, fmt.Errorf("report %s: %w", r.ID, err)
	}
	return p.Decide(r), nil
}

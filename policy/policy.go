// Package policy is the program's reward policy: which findings qualify,
// what each severity earns, and which version of the rules decided. The
// rules are versioned YAML with effective dates (rules/policy-*.yaml,
// embedded); a Set picks the version in effect when a report was approved
// and Decide turns the report into pending awards or a rejection with a
// reason.
package policy

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/plex/bountypay/internal/yamlrules"
	"github.com/plex/bountypay/models"
)

// Policy is one version of the program's rules: which categories qualify,
// what each severity earns, and when the version took effect. Load one
// with Load; it is immutable afterwards.
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
	Reasons Reasons

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

// Reasons are the policy's words for each kind of rejection.
type Reasons struct {
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
	fmt.Fprintf(&b, "Policy %s, effective from %s (sha256 %.12s)\n", p.Version, yamlrules.FormatDate(p.EffectiveFrom), p.hash)
	if p.Source != "" {
		fmt.Fprintf(&b, "Source: %s\n", p.Source)
	}
	if p.Description != "" {
		fmt.Fprintf(&b, "%s\n", p.Description)
	}
	fmt.Fprintf(&b, "\nReproduction required: %s\nDuplicates: nothing (%s)\n\n", yesNo(p.ReproductionRequired), p.Reasons.Duplicate)
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CATEGORY\tQUALIFIES\tNOTE")
	for _, c := range models.AllCategories() {
		rule := p.Categories[c]
		q, note := yesNo(rule.Qualifies), rule.Description
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s, money, yesNo(rw.PlexPass), cmp.Or(rw.Other, "-"))
	}
	tw.Flush()
	b.WriteString("\nA report's own reward (money, plex_pass, other) replaces its severity's row.\n")
	_, err := w.Write(b.Bytes())
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

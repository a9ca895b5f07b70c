package policy

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/plex/bountypay/internal/yamlrules"
	"github.com/plex/bountypay/models"
)

//go:embed rules/policy-*.yaml
var policyFiles embed.FS

// Load reads and strictly validates one policy rules file: unknown
// or repeated keys, missing fields, categories and severities that are not
// exactly models.AllCategories and models.AllSeverities, and bad money
// (amounts must be quoted decimal strings in a known currency, more than
// zero) are errors naming the YAML line, and so is a file larger than
// 1 MiB. Every error wraps models.ErrInvalid; read errors are returned
// wrapped.
func Load(r io.Reader) (*Policy, error) {
	data, root, e, err := yamlrules.Read(r, "policy")
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, e.Err()
	}
	p := &Policy{
		Categories: map[models.Category]CategoryRule{},
		Severities: map[models.Severity]models.Reward{},
		raw:        data,
	}
	var have = map[string]*yaml.Node{}
	for _, f := range yamlrules.Fields(root, "", e, "version", "effective_from", "source", "description",
		"reproduction_required", "reasons", "categories", "severities") {
		have[f.Key] = f.Value
		switch f.Key {
		case "version":
			p.Version = yamlrules.String(f.Value, f.Key, e)
			yamlrules.CheckVersion(f.Value, p.Version, e)
		case "effective_from":
			p.EffectiveFrom = yamlrules.Date(f.Value, f.Key, e)
		case "source":
			p.Source = yamlrules.String(f.Value, f.Key, e)
		case "description":
			p.Description = yamlrules.String(f.Value, f.Key, e)
		case "reproduction_required":
			p.ReproductionRequired = yamlrules.Bool(f.Value, f.Key, e)
		case "reasons":
			p.Reasons = loadReasons(f.Value, e)
		case "categories":
			loadCategories(p, f.Value, e)
		case "severities":
			loadSeverities(p, f.Value, e)
		}
	}
	for _, k := range []string{"version", "effective_from", "reproduction_required", "reasons", "categories", "severities"} {
		if have[k] == nil {
			e.Add(root, k, "required")
		}
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	p.hash = hex.EncodeToString(sum[:])
	return p, nil
}

func loadReasons(n *yaml.Node, e *yamlrules.Errors) Reasons {
	var r Reasons
	keys := []string{"rejected", "duplicate", "not_reproduced", "no_reward"}
	set := map[string]bool{}
	for _, f := range yamlrules.Fields(n, "reasons", e, keys...) {
		s := yamlrules.String(f.Value, "reasons."+f.Key, e)
		if s == "" {
			continue
		}
		set[f.Key] = true
		switch f.Key {
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
			e.Add(n, "reasons."+k, "required")
		}
	}
	return r
}

func loadCategories(p *Policy, n *yaml.Node, e *yamlrules.Errors) {
	for _, f := range yamlrules.Fields(n, "categories", e) {
		path := "categories." + f.Key
		c := models.Category(f.Key)
		if !slices.Contains(models.AllCategories(), c) {
			e.Add(f.KeyNode, path, "unknown category (known: %s)", join(models.AllCategories()))
			continue
		}
		var rule CategoryRule
		var hasQualifies bool
		for _, cf := range yamlrules.Fields(f.Value, path, e, "qualifies", "with_override", "description", "reason") {
			switch cf.Key {
			case "qualifies":
				hasQualifies = true
				rule.Qualifies = yamlrules.Bool(cf.Value, path+".qualifies", e)
			case "with_override":
				rule.WithOverride = yamlrules.Bool(cf.Value, path+".with_override", e)
			case "description":
				rule.Description = yamlrules.String(cf.Value, path+".description", e)
			case "reason":
				rule.Reason = yamlrules.String(cf.Value, path+".reason", e)
			}
		}
		switch {
		case !hasQualifies:
			e.Add(f.Value, path+".qualifies", "required")
		case !rule.Qualifies && rule.Reason == "":
			e.Add(f.Value, path+".reason", "required for a category that does not qualify")
		case rule.Qualifies && rule.WithOverride:
			e.Add(f.Value, path+".with_override", "only for a category that does not qualify")
		}
		p.Categories[c] = rule
	}
	for _, c := range models.AllCategories() {
		if _, ok := p.Categories[c]; !ok {
			e.Add(n, "categories", "no rule for category %s", c)
		}
	}
}

func loadSeverities(p *Policy, n *yaml.Node, e *yamlrules.Errors) {
	for _, f := range yamlrules.Fields(n, "severities", e) {
		path := "severities." + f.Key
		s := models.Severity(f.Key)
		if !slices.Contains(models.AllSeverities(), s) {
			e.Add(f.KeyNode, path, "unknown severity (known: %s)", join(models.AllSeverities()))
			continue
		}
		p.Severities[s] = loadReward(f.Value, path, e)
	}
	for _, s := range models.AllSeverities() {
		if _, ok := p.Severities[s]; !ok {
			e.Add(n, "severities", "no reward for severity %s", s)
		}
	}
}

func loadReward(n *yaml.Node, path string, e *yamlrules.Errors) models.Reward {
	var r models.Reward
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return r // "none:" with nothing: no reward
	}
	for _, f := range yamlrules.Fields(n, path, e, "money", "plex_pass", "other") {
		switch f.Key {
		case "money":
			r.Money = loadMoney(f.Value, path+".money", e)
		case "plex_pass":
			r.PlexPass = yamlrules.Bool(f.Value, path+".plex_pass", e)
		case "other":
			r.Other = yamlrules.String(f.Value, path+".other", e)
		}
	}
	return r
}

func loadMoney(n *yaml.Node, path string, e *yamlrules.Errors) *models.Money {
	var amount, currency string
	var an, cn *yaml.Node
	for _, f := range yamlrules.Fields(n, path, e, "amount", "currency") {
		switch f.Key {
		case "amount":
			an = f.Value
			amount, _ = yamlrules.Quoted(f.Value, path+".amount", e, `a decimal such as "5000.00" (never a number)`)
		case "currency":
			cn = f.Value
			currency = yamlrules.String(f.Value, path+".currency", e)
		}
	}
	if an == nil {
		e.Add(n, path+".amount", "required")
	}
	if cn == nil {
		e.Add(n, path+".currency", "required")
	}
	if amount == "" || currency == "" {
		return nil
	}
	if _, ok := models.CurrencyExponent(currency); !ok {
		e.Add(cn, path+".currency", "%q is not an ISO 4217 currency bountypay pays in", currency)
		return nil
	}
	m, err := models.ParseMoney(amount, currency)
	if err != nil {
		e.Add(an, path+".amount", "%q is not a valid %s amount (digits, at most the currency's decimal places)", amount, currency)
		return nil
	}
	if m.Minor <= 0 {
		e.Add(an, path+".amount", "must be more than zero; leave money out to give none")
		return nil
	}
	return &m
}

func join[T ~string](vals []T) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// Embedded returns the policy versions shipped with bountypay
// (rules/policy-*.yaml in this package), oldest first.
func Embedded() ([]*Policy, error) {
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
		p, err := Load(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("embedded policy %s: %w", name, err)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *Policy) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	return out, nil
}

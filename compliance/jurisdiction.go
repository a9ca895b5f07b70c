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
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plex/bountypay/internal/yamlrules"
	"github.com/plex/bountypay/models"
)

//go:embed rules/jurisdictions-*.yaml
var jurisdictionFiles embed.FS

// Jurisdictions is one version of the jurisdiction rules: the places
// nothing may be paid to (blocked) or where a person must look first
// (review), each rule with its own effective dates. Load one with
// LoadJurisdictions; it is immutable afterwards.
type Jurisdictions struct {
	// Version names this version of the rules; every result records it.
	Version string
	// Description is free text for people.
	Description string
	// Rules in file order; on a tie in severity the first wins.
	Rules []JurisdictionRule

	raw  []byte
	hash string
}

// JurisdictionRule is one rule: a country, optionally narrowed to regions
// and to covered cities and postal codes within them. A rule with a Place
// also recognises that place by evidence outside its regions: the codes
// another country uses for it (Claims), its cities (Cities, ReviewCities)
// and its postal codes (PostalPrefixes). Any one piece of evidence is
// enough, whatever region the subject gave.
type JurisdictionRule struct {
	ID      string // stable, recorded in every result
	Name    string // for people
	Country string // ISO 3166-1 alpha-2
	// Place is the short name reasons use for the rule's area ("Crimea").
	Place string
	// Regions narrows the rule to these ISO 3166-2 codes; empty means the
	// whole country.
	Regions []string
	// Claims are codes other countries use for the rule's regions; a
	// subject of the rule's country or of a claimant there is in the area.
	Claims []JurisdictionClaim
	// RegionUnknown makes the rule apply only when the subject has no
	// region (a Ukrainian payee whose region is unknown).
	RegionUnknown bool
	// CoveredCities and CoveredPostalPrefixes narrow the rule to the
	// covered parts of its regions. When either is set, a subject there
	// gets Decision, and any other subject in the regions gets Otherwise
	// (or the rule does not apply when Otherwise is empty).
	CoveredCities         []string
	CoveredPostalPrefixes []string
	// Cities are the area's cities and towns, in any region: with the
	// rule's country or a claimant they give Decision, with any other
	// country review.
	Cities []string
	// ReviewCities are names the area shares with places elsewhere: on
	// their own they give review.
	ReviewCities []string
	// PostalPrefixes are the area's postal codes, in any region, each set
	// evidence only for the country that issued it.
	PostalPrefixes []JurisdictionPostal
	// Decision is blocked or review.
	Decision models.ScreeningDecision
	// Otherwise is the decision for a subject in the rule's regions but
	// not in its covered places; empty means the rule does not apply.
	Otherwise       models.ScreeningDecision
	OtherwiseReason string
	// EffectiveFrom is when the rule starts; EffectiveTo, when set, is the
	// first instant it no longer applies.
	EffectiveFrom time.Time
	EffectiveTo   time.Time
	// Reason explains a match, citing the legal basis.
	Reason  string
	Sources []string

	coveredSet map[string]bool // normalised CoveredCities
	citySet    map[string]bool // normalised Cities
	reviewSet  map[string]bool // normalised ReviewCities
}

// JurisdictionClaim is how another country codes a rule's regions, such
// as Russia's RU-CR for Crimea (not an ISO 3166-2 code).
type JurisdictionClaim struct {
	Country  string   // the claiming country, ISO 3166-1 alpha-2
	Claimant string   // its name for people ("Russia")
	Regions  []string // the codes it uses, each starting with Country
}

// JurisdictionPostal is the postal codes one country issues for a rule's
// area.
type JurisdictionPostal struct {
	Country  string   // the issuing country, ISO 3166-1 alpha-2
	Prefixes []string // a code starting with one of these is in the area
	Note     string   // for people, e.g. "Ukrainian 95–98"
}

// InEffect reports whether the rule applies at t.
func (r *JurisdictionRule) InEffect(t time.Time) bool {
	return !t.Before(r.EffectiveFrom) && (r.EffectiveTo.IsZero() || t.Before(r.EffectiveTo))
}

func (r *JurisdictionRule) covered() bool {
	return len(r.CoveredCities) > 0 || len(r.CoveredPostalPrefixes) > 0
}

// JurisdictionSubject is where a payee lives, as they told us.
type JurisdictionSubject struct {
	Country    string // ISO 3166-1 alpha-2
	Region     string // ISO 3166-2 or a claim code such as RU-CR, optional
	City       string // optional, any common spelling
	PostalCode string // optional
}

// JurisdictionResult is the jurisdiction rules' answer for one subject.
type JurisdictionResult struct {
	Decision models.ScreeningDecision
	Reason   string
	// RuleID is the deciding rule; "" when no rule applies (clear).
	RuleID string
	// Version is the rules version that decided.
	Version string
}

// Rule ids Evaluate uses when no data rule decides.
const (
	RuleCountryUnknown = "country-unknown" // no country: review
	RuleCountryInvalid = "country-invalid" // not a two-letter code: review
	RuleRegionMismatch = "region-mismatch" // region of another country: review
	RuleNoTime         = "no-time"         // zero evaluation time: review
)

// Hash returns the lowercase hex SHA-256 of the rules' YAML source.
func (j *Jurisdictions) Hash() string { return j.hash }

// YAML returns the rules' YAML source, as loaded.
func (j *Jurisdictions) YAML() []byte { return bytes.Clone(j.raw) }

// Evaluate applies the rules in effect at at to s. Input is normalised
// first: codes are trimmed and upper-cased, a bare region ("43") gets the
// country prefix, cities are compared without case, apostrophes, hyphens
// or "м."/"г." prefixes, in Latin or Cyrillic spellings listed in the
// rules, and postal codes without spaces.
//
// Every address field is evidence. Where the fields disagree the stricter
// place decides: a Crimean city or postal code blocks even with another
// region given. The most severe matching rule decides (blocked over
// review); when none matches the result is clear with an empty RuleID. It
// fails closed: a subject without a country, with a country that is not a
// two-letter code, or a zero time gets review, and so does a region of
// another country (US and UA-43) unless a rule decides on other evidence.
func (j *Jurisdictions) Evaluate(s JurisdictionSubject, at time.Time) JurisdictionResult {
	res := JurisdictionResult{Decision: models.DecisionClear, Version: j.Version,
		Reason: "no jurisdiction rule applies"}
	p := jurisPlace{
		country: strings.ToUpper(strings.TrimSpace(s.Country)),
		region:  strings.ToUpper(strings.TrimSpace(s.Region)),
		city:    normalizeJurisdictionCity(s.City),
		rawCity: strings.Join(strings.Fields(s.City), " "),
		postal:  strings.ToUpper(strings.Join(strings.Fields(s.PostalCode), "")),
	}
	if p.region != "" && !strings.Contains(p.region, "-") && p.country != "" {
		p.region = p.country + "-" + p.region
	}
	if at.IsZero() {
		res.Decision, res.RuleID, res.Reason = models.DecisionReview, RuleNoTime, "no evaluation time given"
		return res
	}
	switch {
	case p.country == "":
		res.Decision, res.RuleID, res.Reason = models.DecisionReview, RuleCountryUnknown,
			"country of residence unknown: a person must check it against the sanctioned jurisdictions"
		return res
	case !jurisCountryPattern.MatchString(p.country):
		res.Decision, res.RuleID, res.Reason = models.DecisionReview, RuleCountryInvalid,
			fmt.Sprintf("country %q is not an ISO 3166-1 alpha-2 code: a person must check it", strings.TrimSpace(s.Country))
		return res
	case p.region != "" && !strings.HasPrefix(p.region, p.country+"-"):
		// Not final: a rule may still block on the region, city or postal code.
		res.Decision, res.RuleID, res.Reason = models.DecisionReview, RuleRegionMismatch,
			fmt.Sprintf("region %s does not belong to country %s: a person must check the address", p.region, p.country)
	}
	for i := range j.Rules {
		r := &j.Rules[i]
		if !r.InEffect(at) {
			continue
		}
		decision, reason, ok := r.evaluate(p)
		// A rule's review names its evidence, so it replaces the mismatch.
		replaces := res.RuleID == RuleRegionMismatch && decision == models.DecisionReview
		if ok && (decisionRank(decision) > decisionRank(res.Decision) || replaces) {
			res.Decision, res.Reason, res.RuleID = decision, reason, r.ID
		}
	}
	return res
}

// jurisPlace is a normalised JurisdictionSubject.
type jurisPlace struct {
	country, region, city, postal string
	rawCity                       string // as given, for reasons
}

// evaluate returns the rule's decision for p and why, or ok false when
// the rule does not apply. Of several outcomes the most severe wins.
func (r *JurisdictionRule) evaluate(p jurisPlace) (decision models.ScreeningDecision, reason string, ok bool) {
	consider := func(d models.ScreeningDecision, why string) {
		if !ok || decisionRank(d) > decisionRank(decision) {
			decision, reason, ok = d, why, true
		}
	}
	claim := r.claimOf(p.region)
	countryOK := p.country == r.Country || r.claimant(p.country)
	var inRegion bool
	switch {
	case r.RegionUnknown:
		inRegion = p.country == r.Country && p.region == ""
	case len(r.Regions) > 0:
		inRegion = countryOK && (slices.Contains(r.Regions, p.region) || claim != nil)
	default:
		inRegion = p.country == r.Country
	}
	// evidence places p in the area; doubt says the name alone is not enough.
	var evidence, doubt []string
	if inRegion {
		switch {
		case r.covered():
			switch {
			case p.city != "" && r.coveredSet[p.city]:
				consider(r.Decision, fmt.Sprintf("%s (city %q is in the covered area)", r.Reason, p.rawCity))
			case p.postal != "" && jurisHasPrefix(p.postal, r.CoveredPostalPrefixes):
				consider(r.Decision, fmt.Sprintf("%s (postal code %s is in the covered area)", r.Reason, p.postal))
			case r.Otherwise != "":
				consider(r.Otherwise, r.OtherwiseReason)
			}
		case r.Place != "" && len(r.Regions) > 0:
			if claim != nil {
				evidence = append(evidence, fmt.Sprintf("region %s is %s's claim to %s", p.region, claim.Claimant, r.Place))
			} else {
				evidence = append(evidence, fmt.Sprintf("region %s is %s", p.region, r.Place))
			}
		default:
			consider(r.Decision, r.Reason)
		}
	}
	if p.city != "" && r.citySet[p.city] {
		if countryOK {
			evidence = append(evidence, fmt.Sprintf("city %s is in %s", p.rawCity, r.Place))
		} else {
			doubt = append(doubt, fmt.Sprintf("city %s is in %s but the country given is %s", p.rawCity, r.Place, p.country))
		}
	}
	if p.city != "" && r.reviewSet[p.city] {
		doubt = append(doubt, fmt.Sprintf("city %s is the name of a town in %s and of places elsewhere", p.rawCity, r.Place))
	}
	if pp := r.postalOf(p.country, p.postal); pp != nil {
		evidence = append(evidence, fmt.Sprintf("postal code %s is in %s (%s)", p.postal, r.Place, pp.Note))
	}
	if len(evidence) > 0 {
		why := strings.Join(evidence, " and ")
		if p.region != "" && !inRegion {
			why += ", although the region given is " + p.region
		}
		consider(r.Decision, why+": "+r.Reason)
	}
	if len(doubt) > 0 {
		consider(models.DecisionReview, strings.Join(doubt, " and ")+": a person must check the address ("+r.Reason+")")
	}
	return decision, reason, ok
}

// claimOf returns the claim that codes region, or nil.
func (r *JurisdictionRule) claimOf(region string) *JurisdictionClaim {
	for i := range r.Claims {
		if slices.Contains(r.Claims[i].Regions, region) {
			return &r.Claims[i]
		}
	}
	return nil
}

// claimant reports whether country claims the rule's regions.
func (r *JurisdictionRule) claimant(country string) bool {
	for _, c := range r.Claims {
		if c.Country == country {
			return true
		}
	}
	return false
}

// postalOf returns the postal codes country issues for the area if postal
// is one of them, or nil.
func (r *JurisdictionRule) postalOf(country, postal string) *JurisdictionPostal {
	if postal == "" {
		return nil
	}
	for i := range r.PostalPrefixes {
		if pp := &r.PostalPrefixes[i]; pp.Country == country && jurisHasPrefix(postal, pp.Prefixes) {
			return pp
		}
	}
	return nil
}

// Check evaluates a researcher's residence at at.
func (j *Jurisdictions) Check(r models.Researcher, at time.Time) JurisdictionResult {
	return j.Evaluate(JurisdictionSubject{Country: r.Country, Region: r.Region, City: r.City, PostalCode: r.PostalCode}, at)
}

func decisionRank(d models.ScreeningDecision) int {
	switch d {
	case models.DecisionBlocked:
		return 2
	case models.DecisionReview:
		return 1
	}
	return 0
}

func jurisHasPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// normalizeJurisdictionCity lower-cases a city name, drops apostrophes, a leading
// "м." / "г." / "m." (city), and treats hyphens, dots and runs of spaces
// as one space; "ё" becomes "е".
func normalizeJurisdictionCity(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("'", "", "’", "", "ʼ", "", "`", "", "ʹ", "", "ё", "е", "-", " ", ".", ". ").Replace(s)
	fields := strings.Fields(s)
	if len(fields) > 1 {
		switch fields[0] {
		case "м.", "г.", "m.", "g.", "city", "місто", "город":
			fields = fields[1:]
		}
	}
	return strings.TrimSuffix(strings.Join(fields, " "), ".")
}

var (
	jurisCountryPattern = regexp.MustCompile(`^[A-Z]{2}$`)
	jurisRuleIDPattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	jurisRegionPattern  = regexp.MustCompile(`^[A-Z]{2}-[A-Z0-9]{1,3}$`)
	jurisPostalPattern  = regexp.MustCompile(`^[A-Z0-9]{1,10}$`)
)

// LoadJurisdictions reads and strictly validates one jurisdiction rules
// file: unknown or repeated keys, missing or repeated rule ids, bad codes,
// decisions other than blocked/review, and effective_to not after
// effective_from are errors naming the YAML line. Every error wraps
// models.ErrInvalid; read errors are returned as they are.
func LoadJurisdictions(r io.Reader) (*Jurisdictions, error) {
	data, root, e, err := yamlrules.Read(r, "jurisdictions")
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, e.Err()
	}
	j := &Jurisdictions{raw: data}
	var hasVersion, hasRules bool
	for _, f := range yamlrules.Fields(root, "", e, "version", "description", "rules") {
		switch f.Key {
		case "version":
			hasVersion = true
			j.Version = yamlrules.String(f.Value, "version", e)
			yamlrules.CheckVersion(f.Value, j.Version, e)
		case "description":
			j.Description = yamlrules.String(f.Value, "description", e)
		case "rules":
			hasRules = true
			j.Rules = loadJurisdictionRules(f.Value, e)
		}
	}
	if !hasVersion {
		e.Add(root, "version", "required")
	}
	if !hasRules {
		e.Add(root, "rules", "required")
	}
	if err := e.Err(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	j.hash = hex.EncodeToString(sum[:])
	return j, nil
}

func loadJurisdictionRules(n *yaml.Node, e *yamlrules.Errors) []JurisdictionRule {
	if n.Kind != yaml.SequenceNode {
		e.Add(n, "rules", "must be a list")
		return nil
	}
	var rules []JurisdictionRule
	ids := map[string]int{}
	for i, rn := range n.Content {
		rn = yamlrules.Resolve(rn)
		path := fmt.Sprintf("rules[%d]", i)
		var r JurisdictionRule
		have := map[string]*yaml.Node{}
		for _, f := range yamlrules.Fields(rn, path, e, "id", "name", "country", "regions", "region_unknown",
			"covered", "decision", "otherwise", "otherwise_reason", "effective_from", "effective_to", "reason", "sources",
			"place", "claims", "cities", "review_cities", "postal_prefixes") {
			have[f.Key] = f.Value
			p := path + "." + f.Key
			switch f.Key {
			case "id":
				r.ID = yamlrules.String(f.Value, p, e)
				if !jurisRuleIDPattern.MatchString(r.ID) {
					e.Add(f.Value, p, "%q must be lower-case letters, digits and hyphens", r.ID)
				} else if line, dup := ids[r.ID]; dup {
					e.Add(f.Value, p, "%q is already used on line %d", r.ID, line)
				}
				ids[r.ID] = f.Value.Line
				path = fmt.Sprintf("rules[%d] (%s)", i, r.ID)
			case "name":
				r.Name = yamlrules.String(f.Value, p, e)
			case "country":
				r.Country = yamlrules.String(f.Value, p, e)
				if !jurisCountryPattern.MatchString(r.Country) {
					e.Add(f.Value, p, "%q must be an upper-case ISO 3166-1 alpha-2 code", r.Country)
				}
			case "regions":
				r.Regions = yamlrules.Strings(f.Value, p, e)
			case "region_unknown":
				r.RegionUnknown = yamlrules.Bool(f.Value, p, e)
			case "place":
				r.Place = yamlrules.String(f.Value, p, e)
			case "claims":
				r.Claims = loadJurisdictionClaims(f.Value, p, e)
			case "cities":
				r.Cities = yamlrules.Strings(f.Value, p, e)
			case "review_cities":
				r.ReviewCities = yamlrules.Strings(f.Value, p, e)
			case "postal_prefixes":
				r.PostalPrefixes = loadJurisdictionPostal(f.Value, p, e)
			case "covered":
				for _, cf := range yamlrules.Fields(f.Value, p, e, "cities", "postal_prefixes") {
					switch cf.Key {
					case "cities":
						r.CoveredCities = yamlrules.Strings(cf.Value, p+".cities", e)
					case "postal_prefixes":
						r.CoveredPostalPrefixes = yamlrules.Strings(cf.Value, p+".postal_prefixes", e)
						checkPostalPrefixes(cf.Value, p+".postal_prefixes", r.CoveredPostalPrefixes, e)
					}
				}
			case "decision":
				r.Decision = models.ScreeningDecision(yamlrules.String(f.Value, p, e))
				if r.Decision != models.DecisionBlocked && r.Decision != models.DecisionReview {
					e.Add(f.Value, p, "%q must be blocked or review", r.Decision)
				}
			case "otherwise":
				r.Otherwise = models.ScreeningDecision(yamlrules.String(f.Value, p, e))
				if r.Otherwise != models.DecisionReview && r.Otherwise != models.DecisionBlocked {
					e.Add(f.Value, p, "%q must be review or blocked", r.Otherwise)
				}
			case "otherwise_reason":
				r.OtherwiseReason = yamlrules.String(f.Value, p, e)
			case "effective_from":
				r.EffectiveFrom = yamlrules.Date(f.Value, p, e)
			case "effective_to":
				r.EffectiveTo = yamlrules.Date(f.Value, p, e)
			case "reason":
				r.Reason = yamlrules.String(f.Value, p, e)
			case "sources":
				r.Sources = yamlrules.Strings(f.Value, p, e)
			}
		}
		if rn.Kind != yaml.MappingNode {
			continue
		}
		for _, k := range []string{"id", "country", "decision", "effective_from", "reason"} {
			if have[k] == nil {
				e.Add(rn, path+"."+k, "required")
			}
		}
		for _, reg := range r.Regions {
			if !jurisRegionPattern.MatchString(reg) || !strings.HasPrefix(reg, r.Country+"-") {
				e.Add(have["regions"], path+".regions", "%q must be an upper-case ISO 3166-2 code of %s", reg, r.Country)
			}
		}
		if r.RegionUnknown && len(r.Regions) > 0 {
			e.Add(have["region_unknown"], path+".region_unknown", "cannot be combined with regions")
		}
		if have["otherwise"] != nil && !r.covered() {
			e.Add(have["otherwise"], path+".otherwise", "needs covered cities or postal_prefixes")
		}
		if (have["otherwise"] == nil) != (r.OtherwiseReason == "") {
			e.Add(rn, path+".otherwise_reason", "otherwise and otherwise_reason go together")
		}
		if !r.EffectiveTo.IsZero() && !r.EffectiveTo.After(r.EffectiveFrom) {
			e.Add(have["effective_to"], path+".effective_to", "must be after effective_from")
		}
		checkJurisdictionPlace(&r, rn, path, have, e)
		r.coveredSet = citySet(r.CoveredCities)
		r.citySet = citySet(r.Cities)
		r.reviewSet = citySet(r.ReviewCities)
		for c := range r.reviewSet {
			if r.citySet[c] {
				e.Add(have["review_cities"], path+".review_cities", "%q is also in cities", c)
			}
		}
		rules = append(rules, r)
	}
	return rules
}

// checkJurisdictionPlace checks the evidence fields of r: they need a
// place, claims need regions and name codes of another country, and
// postal codes belong to the rule's country or a claimant.
func checkJurisdictionPlace(r *JurisdictionRule, rn *yaml.Node, path string, have map[string]*yaml.Node, e *yamlrules.Errors) {
	uses := have["claims"] != nil || have["cities"] != nil || have["review_cities"] != nil || have["postal_prefixes"] != nil
	if uses && r.Place == "" {
		e.Add(rn, path+".place", "required with claims, cities, review_cities or postal_prefixes")
	}
	if uses && r.RegionUnknown {
		e.Add(have["region_unknown"], path+".region_unknown", "cannot be combined with claims, cities, review_cities or postal_prefixes")
	}
	if have["claims"] != nil && len(r.Regions) == 0 {
		e.Add(have["claims"], path+".claims", "needs regions")
	}
	for _, c := range r.Claims {
		if c.Country == r.Country {
			e.Add(have["claims"], path+".claims", "%s is the rule's own country; claims are another country's codes", c.Country)
		}
		for _, reg := range c.Regions {
			if slices.Contains(r.Regions, reg) {
				e.Add(have["claims"], path+".claims", "%q is also in regions", reg)
			}
		}
	}
	for _, pp := range r.PostalPrefixes {
		if pp.Country != "" && pp.Country != r.Country && !r.claimant(pp.Country) {
			e.Add(have["postal_prefixes"], path+".postal_prefixes", "%s is neither the rule's country nor a claimant", pp.Country)
		}
	}
}

func loadJurisdictionClaims(n *yaml.Node, path string, e *yamlrules.Errors) []JurisdictionClaim {
	if n.Kind != yaml.SequenceNode {
		e.Add(n, path, "must be a list")
		return nil
	}
	var out []JurisdictionClaim
	for i, cn := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var c JurisdictionClaim
		have := map[string]bool{}
		for _, f := range yamlrules.Fields(cn, p, e, "country", "claimant", "regions") {
			have[f.Key] = true
			switch f.Key {
			case "country":
				c.Country = yamlCountry(f.Value, p+".country", e)
			case "claimant":
				c.Claimant = yamlrules.String(f.Value, p+".claimant", e)
			case "regions":
				c.Regions = yamlrules.Strings(f.Value, p+".regions", e)
				for _, reg := range c.Regions {
					if !jurisRegionPattern.MatchString(reg) {
						e.Add(f.Value, p+".regions", "%q must be an upper-case code such as RU-CR", reg)
					}
				}
			}
		}
		if yamlrules.Resolve(cn).Kind != yaml.MappingNode {
			continue
		}
		for _, k := range []string{"country", "claimant", "regions"} {
			if !have[k] {
				e.Add(cn, p+"."+k, "required")
			}
		}
		for _, reg := range c.Regions {
			if c.Country != "" && !strings.HasPrefix(reg, c.Country+"-") {
				e.Add(cn, p+".regions", "%q does not start with %s-", reg, c.Country)
			}
		}
		out = append(out, c)
	}
	return out
}

func loadJurisdictionPostal(n *yaml.Node, path string, e *yamlrules.Errors) []JurisdictionPostal {
	if n.Kind != yaml.SequenceNode {
		e.Add(n, path, "must be a list")
		return nil
	}
	var out []JurisdictionPostal
	seen := map[string]bool{}
	for i, pn := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var pp JurisdictionPostal
		have := map[string]bool{}
		for _, f := range yamlrules.Fields(pn, p, e, "country", "prefixes", "note") {
			have[f.Key] = true
			switch f.Key {
			case "country":
				pp.Country = yamlCountry(f.Value, p+".country", e)
				if seen[pp.Country] {
					e.Add(f.Value, p+".country", "%s is listed twice", pp.Country)
				}
				seen[pp.Country] = true
			case "prefixes":
				pp.Prefixes = yamlrules.Strings(f.Value, p+".prefixes", e)
				checkPostalPrefixes(f.Value, p+".prefixes", pp.Prefixes, e)
			case "note":
				pp.Note = yamlrules.String(f.Value, p+".note", e)
			}
		}
		if yamlrules.Resolve(pn).Kind != yaml.MappingNode {
			continue
		}
		for _, k := range []string{"country", "prefixes", "note"} {
			if !have[k] {
				e.Add(pn, p+"."+k, "required")
			}
		}
		out = append(out, pp)
	}
	return out
}

func yamlCountry(n *yaml.Node, path string, e *yamlrules.Errors) string {
	c := yamlrules.String(n, path, e)
	if !jurisCountryPattern.MatchString(c) {
		e.Add(n, path, "%q must be an upper-case ISO 3166-1 alpha-2 code", c)
	}
	return c
}

func checkPostalPrefixes(n *yaml.Node, path string, prefixes []string, e *yamlrules.Errors) {
	for _, pp := range prefixes {
		if !jurisPostalPattern.MatchString(pp) {
			e.Add(n, path, "%q must be upper-case letters and digits", pp)
		}
	}
}

func citySet(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, c := range names {
		if n := normalizeJurisdictionCity(c); n != "" {
			m[n] = true
		}
	}
	return m
}

// DefaultJurisdictions returns the embedded jurisdiction rules
// (compliance/rules/jurisdictions-*.yaml) with the greatest version. Each
// embedded file holds the complete rules, past ones included, so the
// newest file decides any date.
func DefaultJurisdictions() (*Jurisdictions, error) {
	names, err := fs.Glob(jurisdictionFiles, "rules/jurisdictions-*.yaml")
	if err != nil {
		return nil, fmt.Errorf("embedded jurisdictions: %w", err)
	}
	var best *Jurisdictions
	for _, name := range names {
		data, err := jurisdictionFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("embedded jurisdictions %s: %w", name, err)
		}
		j, err := LoadJurisdictions(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("embedded jurisdictions %s: %w", name, err)
		}
		if best != nil && best.Version == j.Version {
			return nil, fmt.Errorf("embedded jurisdictions: version %s appears twice: %w", j.Version, models.ErrInvalid)
		}
		if best == nil || j.Version > best.Version {
			best = j
		}
	}
	if best == nil {
		return nil, fmt.Errorf("embedded jurisdictions: none: %w", models.ErrNotFound)
	}
	return best, nil
}

// Render writes the rules as a readable table (for `bountypay
// jurisdictions show`).
func (j *Jurisdictions) Render(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Jurisdiction rules %s (sha256 %.12s)\n", j.Version, j.hash)
	if j.Description != "" {
		fmt.Fprintf(&b, "%s\n", j.Description)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tWHERE\tDECISION\tFROM\tTO\tNAME")
	for _, r := range j.Rules {
		where := r.Country
		switch {
		case r.RegionUnknown:
			where += " (no region)"
		case len(r.Regions) > 0:
			where = strings.Join(r.Regions, ",")
		}
		for _, c := range r.Claims {
			where += "," + strings.Join(c.Regions, ",")
		}
		decision := string(r.Decision)
		if r.covered() {
			decision = fmt.Sprintf("%s in listed places (%d city spellings, %d postal prefixes)", r.Decision, len(r.CoveredCities), len(r.CoveredPostalPrefixes))
			if r.Otherwise != "" {
				decision += ", else " + string(r.Otherwise)
			}
		}
		if len(r.Cities)+len(r.ReviewCities)+len(r.PostalPrefixes) > 0 {
			var postal []string
			for _, pp := range r.PostalPrefixes {
				postal = append(postal, pp.Country+" "+strings.Join(pp.Prefixes, ","))
			}
			decision += fmt.Sprintf("; also anywhere by %d city spellings (%d review only), postal %s",
				len(r.Cities)+len(r.ReviewCities), len(r.ReviewCities), cmp.Or(strings.Join(postal, "; "), "-"))
		}
		to := "-"
		if !r.EffectiveTo.IsZero() {
			to = yamlrules.FormatDate(r.EffectiveTo)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, where, decision, yamlrules.FormatDate(r.EffectiveFrom), to, cmp.Or(r.Name, "-"))
	}
	tw.Flush()
	_, err := w.Write(b.Bytes())
	return err
}

// Package compliance decides whether a payee may be paid: the versioned
// jurisdiction rules (who may never be paid), sanctions screening of
// payees against the listed entries (normalisation, transliteration,
// fuzzy name matching, qualifiers), and the one verdict that combines
// them with remembered compliance decisions.
//
// The name engine works on a source-neutral model (Entry, List); each
// list source maps its own data into it. Sub-package ofac reads OFAC's
// published CSV files and is the mapper for OFAC's SDN and Consolidated
// lists (ofac.List.ToCompliance).
package compliance

// Package compliance decides what the program owes and whether it may be
// paid: the versioned program policy (which reports earn what), the
// versioned jurisdiction rules (who may never be paid), and sanctions
// screening of payees against OFAC's lists (normalisation,
// transliteration, fuzzy name matching, qualifiers, decisions).
//
// Sub-package ofac parses OFAC's published CSV files.
package compliance

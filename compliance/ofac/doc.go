// Package ofac reads OFAC's published sanctions lists in their CSV layout:
// the SDN list (sdn.csv, alt.csv, add.csv, sdn_comments.csv) and the
// Consolidated (non-SDN) list (cons_prim.csv, cons_alt.csv, cons_add.csv,
// cons_comments.csv), into one Entry model, and maps that model to the
// screener's source-neutral one (List.ToCompliance).
//
// The files have no header row, use CRLF line endings, write null as "-0-"
// (often "-0- "), usually end with a single 0x1A byte, continue remarks past
// 1,000 characters in the comments file (mid-word, concatenated without a
// separator), and keep weak AKAs, dates of birth, nationality, citizenship,
// gender and digital-currency addresses inside the free-text remarks. A row
// with the wrong number of fields or bad quoting is an error naming the
// file, line and reason; rows are never skipped silently. Alias, address
// and comment rows whose entity is not in the primary file (files from
// different publications) are counted as orphans, not errors.
package ofac

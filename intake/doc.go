// Package intake parses the approved-report files triage hands over
// (`bountypay import FILE|-`) into models.Report values.
//
// # Formats
//
// Three formats carry the same fields:
//
//   - JSON Lines: one JSON object per line (blank lines are skipped);
//   - a JSON array of objects;
//   - CSV with a header row naming the columns; nested fields are flattened
//     with dots (researcher.name, reward.money.amount,
//     reward.money.currency, reward.plex_pass, reward.other). Empty cells
//     are absent values.
//
// Parse detects the format from the content (after an optional UTF-8 byte
// order mark, the first non-space byte "[" means a JSON array, "{" JSON
// Lines, anything else CSV) unless Options.Format forces one. Input must
// be UTF-8. Values are trimmed of surrounding white space.
//
// # Fields
//
//	id                          required; at most 128 printable characters; unique in the file
//	title                       optional; at most 500 characters, no control characters
//	category                    required; rce, privilege_escalation, authentication, xss, csrf,
//	                            denial_of_service, malicious_link, third_party, insecure_cookie,
//	                            social_engineering, pin_bypass, other (case-insensitive)
//	severity                    required; critical, high, medium, low, none
//	status                      required; approved, rejected, duplicate
//	duplicate_of                required when status is duplicate, refused otherwise; not the report itself
//	reproduced                  optional boolean (JSON true/false; CSV true/false), default false
//	approved_by                 optional; at most 128 printable characters
//	approved_at                 RFC 3339 with a zone, required when approved; stored in UTC;
//	                            not before 2000 nor more than an hour in the future
//	researcher.id               required; at most 128 printable characters
//	researcher.name             required; at most 300 characters, any script
//	researcher.email            optional email address (plain addr-spec, ASCII, domain with a dot)
//	researcher.country          optional ISO 3166-1 alpha-2 code (officially assigned), upper-cased
//	researcher.region           optional ISO 3166-2 code (e.g. UA-43), upper-cased; needs the country
//	                            and must start with it; Ukrainian codes are checked against the full list
//	researcher.city             optional; at most 128 characters
//	researcher.postal_code      optional; at most 16 letters, digits, spaces, hyphens; upper-cased
//	researcher.paypal_receiver  optional email address (the PayPal receiver)
//	researcher.plex_account     optional; at most 128 printable characters
//	researcher.date_of_birth    optional YYYY-MM-DD, from 1900, not in the future
//	reward                      optional override of the policy's severity table, approved reports only;
//	                            must give something
//	reward.money.amount         decimal string ("1500.00"; a JSON number is refused), more than zero,
//	                            at most the currency's decimal places; with reward.money.currency
//	reward.money.currency       ISO 4217 code bountypay pays in, upper-cased
//	reward.plex_pass            optional boolean
//	reward.other                optional; at most 200 characters (e.g. "a hoodie")
//
// # Errors
//
// A file is validated whole: every bad field of every record is collected
// as a *models.FieldError (file, line, record id, dotted field, reason) and
// returned together as ParseErrors, and no report is returned when any
// record is bad. The line is the JSON Lines line, the line where the array
// element starts, or the CSV record's first line. Unknown fields (JSON
// keys, CSV columns) and repeated keys are errors; so are duplicate ids.
// A JSON syntax error inside an array, or a CSV quoting error, ends the
// reading, since what follows cannot be interpreted.
//
// ContentHash gives a canonical hash of a report, so the store can tell an
// identical re-import (a no-op) from the same id with other content (a
// conflict).
package intake

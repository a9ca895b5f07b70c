package intake

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/models"
)

// contentHashVersion names the canonical encoding; it is hashed too, so a
// change of encoding can never collide with an old hash.
const contentHashVersion = "bountypay.report.v1"

// ContentHash returns the lowercase hex SHA-256 of a canonical encoding of
// every field of r. Two reports have the same hash exactly when they carry
// the same content, whatever format they were imported from: the store
// treats a re-import with the same id and hash as a no-op and one with
// another hash as a conflict.
//
// The encoding is one line per field in a fixed order, "name=" and the
// value as a Go-quoted string (strconv.Quote, exact for any bytes); times
// are RFC 3339 in UTC with nanoseconds ("" when unset), booleans
// true/false, money minor units and currency, and an absent reward is
// distinct from an empty one.
func ContentHash(r models.Report) string {
	return hex.EncodeToString(contentSum(r))
}

func contentSum(r models.Report) []byte {
	var b strings.Builder
	b.WriteString(contentHashVersion + "\n")
	field := func(name, v string) {
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(v))
		b.WriteByte('\n')
	}
	approvedAt := ""
	if !r.ApprovedAt.IsZero() {
		approvedAt = r.ApprovedAt.UTC().Format(time.RFC3339Nano)
	}
	field("id", r.ID)
	field("title", r.Title)
	field("category", string(r.Category))
	field("severity", string(r.Severity))
	field("status", string(r.Status))
	field("duplicate_of", r.DuplicateOf)
	field("reproduced", strconv.FormatBool(r.Reproduced))
	field("approved_by", r.ApprovedBy)
	field("approved_at", approvedAt)
	rs := r.Researcher
	field("researcher.id", rs.ID)
	field("researcher.name", rs.Name)
	field("researcher.email", rs.Email)
	field("researcher.country", rs.Country)
	field("researcher.region", rs.Region)
	field("researcher.city", rs.City)
	field("researcher.postal_code", rs.PostalCode)
	field("researcher.paypal_receiver", rs.PayPalReceiver)
	field("researcher.plex_account", rs.PlexAccount)
	field("researcher.date_of_birth", rs.DateOfBirth)
	if rw := r.Reward; rw != nil {
		field("reward", "set")
		if m := rw.Money; m != nil {
			field("reward.money.minor", strconv.FormatInt(m.Minor, 10))
			field("reward.money.currency", m.Currency)
		}
		field("reward.plex_pass", strconv.FormatBool(rw.PlexPass))
		field("reward.other", rw.Other)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return sum[:]
}

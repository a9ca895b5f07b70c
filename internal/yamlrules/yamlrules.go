// Package yamlrules reads bountypay's versioned rules files (the reward
// policy in package policy, the jurisdiction rules in package compliance)
// strictly: every key known, every value of the right kind, every error
// naming its YAML line. A loader collects its problems in an Errors and
// reports them all at once.
package yamlrules

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plex/bountypay/models"
)

// MaxSize bounds a rules file, in bytes.
const MaxSize = 1 << 20

// Read reads a whole rules file of what (e.g. "policy") from r, at most
// MaxSize bytes, and parses its one YAML document. It returns the raw
// bytes, the document's root and the Errors to collect problems in; root
// is nil when the document does not parse (e.Err says why). err is a read
// error, or a file too large (wrapping models.ErrInvalid).
func Read(r io.Reader, what string) (data []byte, root *yaml.Node, e *Errors, err error) {
	data, err = io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, nil, nil, fmt.Errorf("read %s: %w", what, err)
	}
	if len(data) > MaxSize {
		return nil, nil, nil, fmt.Errorf("%s: larger than %d bytes: %w", what, MaxSize, models.ErrInvalid)
	}
	e = NewErrors(what)
	return data, Document(data, e), e, nil
}

// Errors collects the problems of one rules file.
type Errors struct {
	what string // "policy", "jurisdictions"
	errs []error
}

// NewErrors returns an empty collection for a file of kind what
// ("policy"), which starts every message.
func NewErrors(what string) *Errors { return &Errors{what: what} }

// Add records a problem at node n (its line, when known) and path (the
// dotted key, "" for the document).
func (e *Errors) Add(n *yaml.Node, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	if n != nil && n.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", n.Line, msg)
	}
	e.errs = append(e.errs, fmt.Errorf("%s: %s: %w", e.what, msg, models.ErrInvalid))
}

// Err returns every recorded problem joined, each wrapping
// models.ErrInvalid, or nil when there is none.
func (e *Errors) Err() error { return errors.Join(e.errs...) }

// Field is one key and value of a mapping.
type Field struct {
	Key     string
	KeyNode *yaml.Node
	Value   *yaml.Node
}

// Document returns the top-level mapping of data, or nil after recording
// why there is none (bad YAML, an empty document, not a mapping).
func Document(data []byte, e *Errors) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %v: %w", e.what, err, models.ErrInvalid))
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		e.Add(nil, "", "empty document")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		e.Add(root, "", "the document must be a mapping")
		return nil
	}
	return root
}

// Fields returns the fields of mapping n, recording unknown keys (when
// known keys are given) and repeated keys.
func Fields(n *yaml.Node, path string, e *Errors, known ...string) []Field {
	n = Resolve(n)
	if n.Kind != yaml.MappingNode {
		e.Add(n, path, "must be a mapping")
		return nil
	}
	var out []Field
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], Resolve(n.Content[i+1])
		key := k.Value
		full := key
		if path != "" {
			full = path + "." + key
		}
		if k.Kind != yaml.ScalarNode {
			e.Add(k, path, "keys must be plain strings")
			continue
		}
		if seen[key] {
			e.Add(k, full, "appears more than once")
			continue
		}
		seen[key] = true
		if known != nil && !slices.Contains(known, key) {
			e.Add(k, full, "unknown key (known: %s)", strings.Join(known, ", "))
			continue
		}
		out = append(out, Field{Key: key, KeyNode: k, Value: v})
	}
	return out
}

// Resolve follows YAML aliases (*name) to the node they refer to.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// String returns a scalar's literal text, trimmed (never a re-formatted
// number: "1.10" stays "1.10").
func String(n *yaml.Node, path string, e *Errors) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		e.Add(n, path, "must be a string")
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// Quoted returns a scalar that must be a string in the YAML sense (quoted
// when it would otherwise read as a number); hint says what is expected.
func Quoted(n *yaml.Node, path string, e *Errors, hint string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		e.Add(n, path, "must be a quoted string, %s", hint)
		return "", false
	}
	return n.Value, true
}

// Bool returns a scalar that must be true or false.
func Bool(n *yaml.Node, path string, e *Errors) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		e.Add(n, path, "must be true or false")
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		e.Add(n, path, "must be true or false")
	}
	return b
}

// Date reads a date (2006-01-02, midnight UTC) or an RFC 3339 time (in
// UTC).
func Date(n *yaml.Node, path string, e *Errors) time.Time {
	if n.Kind != yaml.ScalarNode {
		e.Add(n, path, "must be a date such as 2025-07-01")
		return time.Time{}
	}
	if t, err := time.Parse(time.DateOnly, n.Value); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
		return t.UTC()
	}
	e.Add(n, path, "%q is not a date such as 2025-07-01 or an RFC 3339 time", n.Value)
	return time.Time{}
}

// Strings reads a list of strings, leaving out empty ones.
func Strings(n *yaml.Node, path string, e *Errors) []string {
	if n.Kind != yaml.SequenceNode {
		e.Add(n, path, "must be a list")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		c = Resolve(c)
		if s := String(c, fmt.Sprintf("%s[%d]", path, i), e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CheckVersion checks a rules version string v read from n: 1 to 64
// characters without spaces or slashes.
func CheckVersion(n *yaml.Node, v string, e *Errors) {
	if v == "" || len(v) > 64 || strings.ContainsAny(v, " \t\r\n/") {
		e.Add(n, "version", "%q must be 1 to 64 characters without spaces or slashes", v)
	}
}

// FormatDate writes an effective time for people: the date alone when it
// is midnight UTC, RFC 3339 in UTC otherwise.
func FormatDate(t time.Time) string {
	if t.Equal(t.Truncate(24*time.Hour)) && t.Location() == time.UTC {
		return t.Format(time.DateOnly)
	}
	return t.UTC().Format(time.RFC3339)
}

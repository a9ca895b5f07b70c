package compliance

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/plex/bountypay/models"
)

// This file holds the strict YAML reading shared by the policy and the
// jurisdiction rules: every key known, every value of the right kind,
// every error with its line.

// yamlErrors collects the problems of one rules file.
type yamlErrors struct {
	what string // "policy", "jurisdictions"
	errs []error
}

func (e *yamlErrors) add(n *yaml.Node, path, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if path != "" {
		msg = path + ": " + msg
	}
	if n != nil && n.Line > 0 {
		msg = fmt.Sprintf("line %d: %s", n.Line, msg)
	}
	e.errs = append(e.errs, fmt.Errorf("%s: %s: %w", e.what, msg, models.ErrInvalid))
}

func (e *yamlErrors) err() error { return errors.Join(e.errs...) }

// yamlField is one key and value of a mapping.
type yamlField struct {
	key   string
	keyN  *yaml.Node
	value *yaml.Node
}

// parseYAMLDocument returns the top-level mapping of data.
func parseYAMLDocument(data []byte, e *yamlErrors) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s: %v: %w", e.what, err, models.ErrInvalid))
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		e.add(nil, "", "empty document")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		e.add(root, "", "the document must be a mapping")
		return nil
	}
	return root
}

// mappingFields returns the fields of mapping n, reporting unknown keys
// (when known is not nil) and repeated keys.
func mappingFields(n *yaml.Node, path string, e *yamlErrors, known ...string) []yamlField {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		e.add(n, path, "must be a mapping")
		return nil
	}
	var out []yamlField
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], resolveAlias(n.Content[i+1])
		key := k.Value
		full := key
		if path != "" {
			full = path + "." + key
		}
		if k.Kind != yaml.ScalarNode {
			e.add(k, path, "keys must be plain strings")
			continue
		}
		if seen[key] {
			e.add(k, full, "appears more than once")
			continue
		}
		seen[key] = true
		if known != nil && !ruleListHas(known, key) {
			e.add(k, full, "unknown key (known: %s)", strings.Join(known, ", "))
			continue
		}
		out = append(out, yamlField{key: key, keyN: k, value: v})
	}
	return out
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func ruleListHas(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// yamlString returns a scalar's literal text (never a re-formatted
// number: "1.10" stays "1.10").
func yamlString(n *yaml.Node, path string, e *yamlErrors) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		e.add(n, path, "must be a string")
		return ""
	}
	return strings.TrimSpace(n.Value)
}

// yamlQuoted returns a scalar that must be a string in the YAML sense
// (quoted when it would otherwise read as a number).
func yamlQuoted(n *yaml.Node, path string, e *yamlErrors, hint string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		e.add(n, path, "must be a quoted string, %s", hint)
		return "", false
	}
	return n.Value, true
}

func yamlBool(n *yaml.Node, path string, e *yamlErrors) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		e.add(n, path, "must be true or false")
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		e.add(n, path, "must be true or false")
	}
	return b
}

// yamlDate reads a date (2006-01-02, midnight UTC) or an RFC 3339 time.
func yamlDate(n *yaml.Node, path string, e *yamlErrors) time.Time {
	if n.Kind != yaml.ScalarNode {
		e.add(n, path, "must be a date such as 2025-07-01")
		return time.Time{}
	}
	if t, err := time.Parse(time.DateOnly, n.Value); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, n.Value); err == nil {
		return t.UTC()
	}
	e.add(n, path, "%q is not a date such as 2025-07-01 or an RFC 3339 time", n.Value)
	return time.Time{}
}

func yamlStringList(n *yaml.Node, path string, e *yamlErrors) []string {
	if n.Kind != yaml.SequenceNode {
		e.add(n, path, "must be a list")
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for i, c := range n.Content {
		c = resolveAlias(c)
		if s := yamlString(c, fmt.Sprintf("%s[%d]", path, i), e); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkVersion checks a rules version string.
func checkVersion(n *yaml.Node, v string, e *yamlErrors) {
	if v == "" || len(v) > 64 || strings.ContainsAny(v, " \t\r\n/") {
		e.add(n, "version", "%q must be 1 to 64 characters without spaces or slashes", v)
	}
}

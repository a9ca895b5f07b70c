package paypalsandbox

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/plex/bountypay/internal/shareddata"
)

// This file holds a small JSON-schema-subset validator (the OpenAPI 3.0
// subset PayPal's specs use: $ref, type, properties, required, items,
// enum, minLength/maxLength, minItems/maxItems, minimum/maximum, pattern,
// format date-time) and the loader for PayPal's spec files.

// specDir finds ../shared/testdata/paypal (see shareddata.Dir).
func specDir(t testing.TB) string {
	t.Helper()
	return shareddata.Dir(t, "paypal")
}

type spec struct {
	schemas map[string]any
}

// Spec files in ../shared/testdata/paypal.
const (
	payoutsSpec  = "payments_payouts_batch_v1.json"
	webhooksSpec = "notifications_webhooks_v1.json"
)

var (
	specMu    sync.Mutex
	specCache = map[string]*spec{}
)

// loadSpec loads payments_payouts_batch_v1.json.
func loadSpec(t testing.TB) *spec { return loadSpecFile(t, payoutsSpec) }

// loadSpecFile loads one of PayPal's spec files. Without it the test is
// skipped loudly, or fails under CI=true.
func loadSpecFile(t testing.TB, name string) *spec {
	t.Helper()
	dir := specDir(t)
	specMu.Lock()
	defer specMu.Unlock()
	if sp := specCache[name]; sp != nil {
		return sp
	}
	fail := func(err error) {
		msg := fmt.Sprintf("PayPal spec %s not available (%v): expected in %s", name, err, dir)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip("SKIPPING: " + msg)
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		fail(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		fail(err)
	}
	sp := &spec{schemas: doc.Components.Schemas}
	specCache[name] = sp
	return sp
}

// validation collects problems found at JSON paths.
type validation struct {
	spec     *spec
	problems []string
	// strict reports properties the schema does not declare.
	strict bool
	// allowExtra lists "path-pattern" of extra properties to accept.
	allowExtra []string
	// allowMissing lists path patterns whose required field may be absent.
	allowMissing []string
}

func (v *validation) addf(path, format string, args ...any) {
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

// genericPath turns items[3].x into items[*].x for allow lists.
var indexRE = regexp.MustCompile(`\[\d+\]`)

func genericPath(p string) string { return indexRE.ReplaceAllString(p, "[*]") }

// allowed matches p against patterns; "*.x" matches any path ending ".x".
func allowed(patterns []string, p string) bool {
	for _, pat := range patterns {
		if pat == p || (strings.HasPrefix(pat, "*") && strings.HasSuffix(p, pat[1:])) {
			return true
		}
	}
	return false
}

func (v *validation) resolve(schema map[string]any) map[string]any {
	for {
		ref, ok := schema["$ref"].(string)
		if !ok {
			return schema
		}
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		next, ok := v.spec.schemas[name].(map[string]any)
		if !ok {
			v.addf("$ref", "unresolvable %s", ref)
			return map[string]any{}
		}
		schema = next
	}
}

func (v *validation) check(path string, schema map[string]any, val any) {
	schema = v.resolve(schema)
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, val) {
		v.addf(path, "value %v not in enum %v", val, enum)
	}
	typ, _ := schema["type"].(string)
	switch typ {
	case "object":
		obj, ok := val.(map[string]any)
		if !ok {
			v.addf(path, "want object, got %T", val)
			return
		}
		props, _ := schema["properties"].(map[string]any)
		if req, ok := schema["required"].([]any); ok {
			for _, r := range req {
				name := r.(string)
				if _, ok := obj[name]; !ok && !slices.Contains(v.allowMissing, genericPath(path+"."+name)) {
					v.addf(path, "missing required %q", name)
				}
			}
		}
		for k, pv := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				if v.strict && schema["additionalProperties"] != true && !allowed(v.allowExtra, genericPath(path+"."+k)) {
					v.addf(path, "property %q not in schema", k)
				}
				continue
			}
			v.check(path+"."+k, ps, pv)
		}
	case "array":
		arr, ok := val.([]any)
		if !ok {
			v.addf(path, "want array, got %T", val)
			return
		}
		if n, ok := schema["minItems"].(float64); ok && float64(len(arr)) < n {
			v.addf(path, "%d items, want at least %v", len(arr), n)
		}
		if n, ok := schema["maxItems"].(float64); ok && float64(len(arr)) > n {
			v.addf(path, "%d items, want at most %v", len(arr), n)
		}
		is, _ := schema["items"].(map[string]any)
		for i, e := range arr {
			v.check(fmt.Sprintf("%s[%d]", path, i), is, e)
		}
	case "string":
		str, ok := val.(string)
		if !ok {
			v.addf(path, "want string, got %T", val)
			return
		}
		n := float64(utf8.RuneCountInString(str))
		if m, ok := schema["maxLength"].(float64); ok && n > m {
			v.addf(path, "length %v > maxLength %v", n, m)
		}
		if m, ok := schema["minLength"].(float64); ok && n < m {
			v.addf(path, "length %v < minLength %v", n, m)
		}
		if p, ok := schema["pattern"].(string); ok {
			// Go's regexp lacks look-arounds; such patterns are skipped.
			if re, err := regexp.Compile(p); err == nil && !re.MatchString(str) {
				v.addf(path, "%q does not match %s", str, p)
			}
		}
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339, str); err != nil {
				v.addf(path, "%q is not a date-time", str)
			}
		}
	case "integer", "number":
		num, ok := val.(float64)
		if !ok {
			v.addf(path, "want %s, got %T", typ, val)
			return
		}
		if typ == "integer" && num != float64(int64(num)) {
			v.addf(path, "want integer, got %v", num)
		}
		if m, ok := schema["minimum"].(float64); ok && num < m {
			v.addf(path, "%v < minimum %v", num, m)
		}
		if m, ok := schema["maximum"].(float64); ok && num > m {
			v.addf(path, "%v > maximum %v", num, m)
		}
	case "boolean":
		if _, ok := val.(bool); !ok {
			v.addf(path, "want boolean, got %T", val)
		}
	}
}

// Known, deliberate deviations of the sandbox from the spec, each
// mirroring observed PayPal traffic.
var (
	// The duplicate error's detail carries "link" (singular); links carry
	// encType.
	specAllowExtra = []string{"$.details[*].link", "*.encType"}
	// Item errors carry no debug_id in observed responses.
	specAllowMissing = []string{"$.errors.debug_id", "$.items[*].errors.debug_id", "$.resource.errors.debug_id"}
)

// assertSchema validates body against the named schema strictly (no
// undeclared properties beyond the known deviations).
func assertSchema(t testing.TB, schemaName string, body []byte) {
	t.Helper()
	assertSchemaIn(t, payoutsSpec, schemaName, body)
}

// assertSchemaIn validates body against a schema of the given spec file.
func assertSchemaIn(t testing.TB, file, schemaName string, body []byte) {
	t.Helper()
	sp := loadSpecFile(t, file)
	var val any
	if err := json.Unmarshal(body, &val); err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", schemaName, err, body)
	}
	schema, ok := sp.schemas[schemaName].(map[string]any)
	if !ok {
		t.Fatalf("schema %q not in spec", schemaName)
	}
	v := &validation{spec: sp, strict: true, allowExtra: specAllowExtra, allowMissing: specAllowMissing}
	v.check("$", schema, val)
	if len(v.problems) > 0 {
		t.Errorf("%s: %d schema problems:\n  %s\nbody: %s", schemaName, len(v.problems), strings.Join(v.problems, "\n  "), body)
	}
}

func TestValidatorCatchesProblems(t *testing.T) {
	t.Parallel()
	sp := loadSpec(t)
	cases := []struct {
		name, schema, body, want string
	}{
		{"missing required", "payout_header", `{"batch_status":"PENDING","sender_batch_header":{}}`, `missing required "payout_batch_id"`},
		{"bad enum", "payout_header", `{"payout_batch_id":"X","batch_status":"DONE","sender_batch_header":{}}`, "not in enum"},
		{"too long", "payout_header", `{"payout_batch_id":"` + strings.Repeat("X", 31) + `","batch_status":"PENDING","sender_batch_header":{}}`, "maxLength"},
		{"wrong type", "currency", `{"currency":"USD","value":10}`, "want string"},
		{"bad date", "payout_header", `{"payout_batch_id":"X","batch_status":"PENDING","time_created":"yesterday","sender_batch_header":{}}`, "date-time"},
		{"extra property", "currency", `{"currency":"USD","value":"1.00","x":1}`, "not in schema"},
		{"ref in array", "payout_batch", `{"items":[{"payout_item_id":"A","payout_batch_id":"B","payout_item":{"receiver":"r"}}]}`, `missing required "amount"`},
		{"integer", "payout_batch", `{"total_items":1.5}`, "want integer"},
		{"min items", "payout", `{"links":[]}`, "at least"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var val any
			if err := json.Unmarshal([]byte(tc.body), &val); err != nil {
				t.Fatal(err)
			}
			v := &validation{spec: sp, strict: true}
			v.check("$", sp.schemas[tc.schema].(map[string]any), val)
			if !strings.Contains(strings.Join(v.problems, "\n"), tc.want) {
				t.Errorf("problems %q, want one containing %q", v.problems, tc.want)
			}
		})
	}
}

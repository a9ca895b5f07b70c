package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

const apiReport = `{"id": "API-1", "title": "XSS", "category": "xss", "severity": "medium", "status": "approved", "reproduced": true, "approved_by": "t", "approved_at": "2026-11-01T10:00:00Z", "researcher": {"id": "r-api", "name": "Grace Hopper", "country": "US", "paypal_receiver": "grace@example.com"}}`

// post sends a raw body with a bearer token.
func (f *fixture) post(path, token, body string) resp {
	f.t.Helper()
	r, err := http.NewRequest(http.MethodPost, f.ts.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{code: res.StatusCode, body: string(b), header: res.Header}
}

func TestAPIImport(t *testing.T) {
	engines(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine)
		wantCode(t, "no token", f.post("/api/reports", "", apiReport), http.StatusUnauthorized)

		// A body with one bad record imports nothing and names it.
		bad := strings.Replace(apiReport, `"API-1"`, `"API-2"`, 1)
		bad = strings.Replace(bad, `"country": "US"`, `"country": "XX"`, 1)
		// Only an importer may import.
		wantCode(t, "import by finance", f.post("/api/reports", carolToken, apiReport+"\n"), http.StatusForbidden)
		r := f.post("/api/reports", importerToken, apiReport+"\n"+bad+"\n")
		wantCode(t, "bad body", r, http.StatusBadRequest)
		wantContains(t, "bad body", r.body, `"line": 2`, `"field": "researcher.country"`, `"record": "API-2"`)
		wantCode(t, "nothing imported", f.get("/api/awards/API-1/money", req{token: carolToken}), http.StatusNotFound)

		r = f.post("/api/reports", importerToken, apiReport+"\n")
		wantCode(t, "import", r, http.StatusOK)
		wantContains(t, "import", r.body, `"new": 1`)
		r = f.post("/api/reports", importerToken, apiReport+"\n")
		wantContains(t, "re-import", r.body, `"new": 0`, `"unchanged": 1`)
		changed := strings.Replace(apiReport, `"XSS"`, `"XSS v2"`, 1)
		r = f.post("/api/reports?name=triage-batch-7", importerToken, changed)
		wantCode(t, "conflict", r, http.StatusConflict)
		wantContains(t, "conflict", r.body, `"record": "API-1"`, `"line": 1`)
	})
}

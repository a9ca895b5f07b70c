package web

import (
	"cmp"
	"errors"
	"net/http"

	"github.com/plex/bountypay/intake"
	"github.com/plex/bountypay/models"
)

// POST /api/reports: triage hands over approved reports through the API,
// in the body, as `bountypay import` takes them from a file (JSON Lines, a
// JSON array or CSV; ?format= forces one). The whole body is imported or
// nothing: a bad body answers 400 with every problem, a report id already
// imported with other content 409. The importer recorded (who may then not
// approve the awards) is the logged-in person.
//
// Answer: {"new": N, "unchanged": M}; or {"error", "problems": [{"line",
// "record", "field", "reason"}]}.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request, p *principal) error {
	format, err := intake.ParseFormat(r.URL.Query().Get("format"))
	if err != nil {
		return err
	}
	name := cmp.Or(r.URL.Query().Get("name"), "api")
	recs, err := intake.ParseRecords(name, r.Body, intake.Options{Format: format})
	var pe intake.ParseErrors
	if errors.As(err, &pe) {
		writeProblems(w, http.StatusBadRequest, "nothing imported: the body has bad records", pe)
		return nil
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &httpError{code: http.StatusRequestEntityTooLarge, msg: "body too large"}
		}
		return err
	}
	in := make([]models.ImportRecord, len(recs))
	for i, rec := range recs {
		in[i] = models.ImportRecord{Report: rec.Report, ContentHash: intake.ContentHash(rec.Report), Line: rec.Line}
	}
	res, err := s.store.ImportReports(r.Context(), name, in, p.user)
	if err != nil {
		var multi interface{ Unwrap() []error }
		var fes []*models.FieldError
		if errors.As(err, &multi) {
			for _, e := range multi.Unwrap() {
				var fe *models.FieldError
				if errors.As(e, &fe) {
					fes = append(fes, fe)
				}
			}
		}
		if errors.Is(err, models.ErrConflict) && len(fes) > 0 {
			writeProblems(w, http.StatusConflict, "nothing imported: report ids already imported with other content", fes)
			return nil
		}
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"new": res.New, "unchanged": res.Unchanged})
	return nil
}

type apiProblem struct {
	Line   int    `json:"line,omitempty"`
	Record string `json:"record,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

func writeProblems(w http.ResponseWriter, code int, msg string, fes []*models.FieldError) {
	ps := make([]apiProblem, len(fes))
	for i, fe := range fes {
		ps[i] = apiProblem{Line: fe.Line, Record: fe.Record, Field: fe.Field, Reason: fe.Reason}
	}
	writeJSON(w, code, map[string]any{"error": msg, "problems": ps})
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/finance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/worker"
)

// ---- overview

type stateRow struct {
	State models.AwardState
	Count int
	Cells []string // per overviewView.Assets
}

type overviewView struct {
	Rows     []stateRow
	Assets   []string
	Total    int
	Held     int
	Awaiting int
	Verify   verifyResult
	Head     ledger.Head
}

func (s *Server) handleOverview(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	awards, err := s.store.Awards(ctx, models.AwardFilter{})
	if err != nil {
		return err
	}
	counts, err := s.store.CountAwardsByState(ctx)
	if err != nil {
		return err
	}
	sums := map[models.AwardState]map[string]int64{}
	assetSet := map[string]bool{}
	for _, a := range awards {
		if sums[a.State] == nil {
			sums[a.State] = map[string]int64{}
		}
		sums[a.State][a.Asset()] += unitsOf(a)
		assetSet[a.Asset()] = true
	}
	v := overviewView{Assets: sortAssets(assetSet), Held: counts[models.StateHeld], Awaiting: counts[models.StateAwaitingApproval]}
	for _, st := range models.AllAwardStates() {
		n := counts[st]
		if n == 0 {
			continue
		}
		row := stateRow{State: st, Count: n}
		for _, as := range v.Assets {
			cell := ""
			if u, ok := sums[st][as]; ok {
				cell = fmtUnits(u, as)
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
		v.Total += n
	}
	v.Verify = s.lastVerifyResult()
	if v.Head, err = s.store.LedgerHead(ctx); err != nil {
		return err
	}
	pd := s.newPage(r, p, "Overview", "overview")
	pd.Data = v
	s.render(w, r, http.StatusOK, "overview.html", pd)
	return nil
}

func unitsOf(a models.Award) int64 {
	if a.Kind == models.AwardMoney {
		return a.Amount.Minor
	}
	return 1
}

// sortAssets orders currencies alphabetically, then PASS and OTHER.
func sortAssets(set map[string]bool) []string {
	var out []string
	for a := range set {
		out = append(out, a)
	}
	rank := func(a string) int {
		switch a {
		case models.AssetPass:
			return 1
		case models.AssetOther:
			return 2
		}
		return 0
	}
	sort.Slice(out, func(i, j int) bool {
		if rank(out[i]) != rank(out[j]) {
			return rank(out[i]) < rank(out[j])
		}
		return out[i] < out[j]
	})
	return out
}

// ---- ledger verification

func (s *Server) lastVerifyResult() verifyResult {
	s.lastMu.Lock()
	defer s.lastMu.Unlock()
	return s.lastVerify
}

// verify recomputes the ledger (one at a time) and remembers the result.
func (s *Server) verify(ctx context.Context, by string) (verifyResult, error) {
	if !s.verifyMu.TryLock() {
		return verifyResult{}, &httpError{http.StatusConflict, "a ledger verification is already running; try again in a moment"}
	}
	defer s.verifyMu.Unlock()
	start := time.Now()
	v, err := s.store.VerifyLedger(ctx)
	res := verifyResult{Ran: true, At: s.now().UTC(), By: by, Took: time.Since(start).Round(time.Millisecond).String()}
	var ve *ledger.VerifyError
	switch {
	case err == nil:
		res.OK = true
	case errors.As(err, &ve):
		res.BadSeq, res.Error = ve.Seq, ve.Error()
	default:
		return res, err
	}
	if v != nil {
		res.Entries = v.Count
		res.HeadSeq, res.HeadHash = v.Head()
	}
	s.lastMu.Lock()
	s.lastVerify = res
	s.lastMu.Unlock()
	if !res.OK {
		s.log.ErrorContext(ctx, "ledger verify failed", slog.Int64("seq", res.BadSeq))
	}
	return res, nil
}

func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request, p *principal) error {
	res, err := s.verify(r.Context(), p.user)
	if err != nil {
		return err
	}
	if p.sess != nil {
		msg := fmt.Sprintf("Ledger verified: %d entries, balanced per asset, head %d.", res.Entries, res.HeadSeq)
		if !res.OK {
			msg = "Ledger verification FAILED: " + res.Error
		}
		s.sessions.setFlash(p.sess, msg)
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// ---- awards

type awardRow struct {
	Award  models.Award
	Report models.StoredReport
}

type awardsView struct {
	Rows     []awardRow
	Filter   map[models.AwardState]bool
	Counts   map[models.AwardState]int
	Limited  bool
	Max      int
	Filtered bool
}

func (s *Server) handleAwards(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	states, err := parseStates(r.URL.Query())
	if err != nil {
		return err
	}
	awards, err := s.store.Awards(ctx, models.AwardFilter{States: states, Limit: s.cfg.MaxAwards + 1})
	if err != nil {
		return err
	}
	reps, err := s.reportIndex(ctx)
	if err != nil {
		return err
	}
	counts, err := s.store.CountAwardsByState(ctx)
	if err != nil {
		return err
	}
	v := awardsView{Filter: map[models.AwardState]bool{}, Counts: counts, Max: s.cfg.MaxAwards, Filtered: len(states) > 0}
	for _, st := range states {
		v.Filter[st] = true
	}
	if len(awards) > s.cfg.MaxAwards {
		awards, v.Limited = awards[:s.cfg.MaxAwards], true
	}
	for _, a := range awards {
		v.Rows = append(v.Rows, awardRow{Award: a, Report: reps[a.ReportID]})
	}
	pd := s.newPage(r, p, "Awards", "awards")
	pd.Data = v
	s.render(w, r, http.StatusOK, "awards.html", pd)
	return nil
}

// screeningView is a stored screening with its decoded result.
type screeningView struct {
	models.Screening
	Result compliance.Result
}

func decodeScreening(sc models.Screening) (*screeningView, error) {
	v := &screeningView{Screening: sc}
	if sc.Result != "" {
		if err := json.Unmarshal([]byte(sc.Result), &v.Result); err != nil {
			return nil, fmt.Errorf("screening %d: %w", sc.ID, err)
		}
	}
	return v, nil
}

type awardView struct {
	Award      models.Award
	Report     models.StoredReport
	HasReport  bool
	Researcher models.Researcher
	Attempts   []models.Attempt
	Approvals  []models.Approval
	Screening  *screeningView
	Entries    []ledger.Entry
}

// loadAward gathers everything one award's page shows.
func (s *Server) loadAward(ctx context.Context, id string) (awardView, error) {
	var v awardView
	a, err := s.store.Award(ctx, id)
	if err != nil {
		return v, err
	}
	v.Award = a
	reps, err := s.reportIndex(ctx)
	if err != nil {
		return v, err
	}
	v.Report, v.HasReport = reps[a.ReportID]
	if v.Researcher, err = s.store.Researcher(ctx, a.ResearcherID); err != nil && !errors.Is(err, models.ErrNotFound) {
		return v, err
	}
	if v.Attempts, err = s.store.AttemptsForAward(ctx, a.ID); err != nil {
		return v, err
	}
	if v.Approvals, err = s.store.Approvals(ctx, a.ID); err != nil {
		return v, err
	}
	sc, err := s.store.LatestScreening(ctx, a.ID)
	switch {
	case err == nil:
		if v.Screening, err = decodeScreening(sc); err != nil {
			return v, err
		}
	case !errors.Is(err, models.ErrNotFound):
		return v, err
	}
	if v.Entries, err = s.store.LedgerEntriesForAward(ctx, a.ID); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Server) handleAward(w http.ResponseWriter, r *http.Request, p *principal) error {
	v, err := s.loadAward(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	pd := s.newPage(r, p, "Award "+v.Award.ID, "awards")
	pd.Data = v
	s.render(w, r, http.StatusOK, "award.html", pd)
	return nil
}

// ---- compliance review

func (s *Server) handleReview(w http.ResponseWriter, r *http.Request, p *principal) error {
	held, err := s.screening.HeldAwards(r.Context())
	if err != nil {
		return err
	}
	pd := s.newPage(r, p, "Review", "review")
	pd.Data = held
	s.render(w, r, http.StatusOK, "review.html", pd)
	return nil
}

// handleReviewDecide records compliance's decision (id, decision =
// clear|confirm, reason) under the logged-in person's name.
func (s *Server) handleReviewDecide(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, decision, reason := r.PostFormValue("id"), r.PostFormValue("decision"), strings.TrimSpace(r.PostFormValue("reason"))
	if id == "" {
		return &httpError{http.StatusBadRequest, "which award? (id missing)"}
	}
	if decision != "clear" && decision != "confirm" {
		return &httpError{http.StatusBadRequest, "decision must be clear or confirm"}
	}
	if reason == "" {
		return &httpError{http.StatusBadRequest, "a reason is required: say why the match is, or is not, the payee"}
	}
	a, err := s.screening.Decide(r.Context(), id, decision == "confirm", p.user, reason)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "web review decision", slog.String("award_id", a.ID), slog.String("decision", decision))
	if p.sess != nil {
		s.sessions.setFlash(p.sess, fmt.Sprintf("%s is now %s (decided by %s).", a.ID, strings.ReplaceAll(string(a.State), "_", " "), p.user))
	}
	http.Redirect(w, r, "/review", http.StatusSeeOther)
	return nil
}

// ---- approvals

type approvalRow struct {
	Award  models.Award
	Status worker.ApprovalStatus
}

func (s *Server) approvalRows(ctx context.Context) ([]approvalRow, error) {
	as, err := s.store.Awards(ctx, models.AwardFilter{States: []models.AwardState{models.StateAwaitingApproval}, Limit: s.cfg.MaxAwards})
	if err != nil {
		return nil, err
	}
	out := make([]approvalRow, 0, len(as))
	for _, a := range as {
		var st worker.ApprovalStatus
		err := s.store.InTx(ctx, func(tx worker.Tx) error {
			var err error
			st, err = worker.CheckApproval(tx, s.cfg.Approval, "", &a)
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, approvalRow{Award: a, Status: st})
	}
	return out, nil
}

func (s *Server) handleApprovals(w http.ResponseWriter, r *http.Request, p *principal) error {
	rows, err := s.approvalRows(r.Context())
	if err != nil {
		return err
	}
	pd := s.newPage(r, p, "Approvals", "approvals")
	pd.Data = rows
	s.render(w, r, http.StatusOK, "approvals.html", pd)
	return nil
}

// handleApprove records the logged-in person's approval (id, reason);
// worker.Approve applies the maker-checker rules.
func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request, p *principal) error {
	id, reason := r.PostFormValue("id"), strings.TrimSpace(r.PostFormValue("reason"))
	if id == "" {
		return &httpError{http.StatusBadRequest, "which award? (id missing)"}
	}
	st, err := worker.Approve(r.Context(), s.store, s.cfg.Approval, "", id, p.user, reason)
	if err != nil {
		return err
	}
	s.log.InfoContext(r.Context(), "web approval", slog.String("award_id", st.AwardID))
	if p.sess != nil {
		msg := fmt.Sprintf("Approval of %s by %s recorded: %d of %d; still waiting: %s.", st.AwardID, p.user, len(st.Approvers), st.Required, st.Why)
		if st.Ready() {
			msg = fmt.Sprintf("%s approved by %s: it goes on to screening at the next run.", st.AwardID, strings.Join(st.Approvers, ", "))
		}
		s.sessions.setFlash(p.sess, msg)
	}
	http.Redirect(w, r, "/approvals", http.StatusSeeOther)
	return nil
}

// ---- ledger

type ledgerView struct {
	Entries    []ledger.Entry
	Head       ledger.Head
	From, To   int64
	Older      int64 // from of the older page; 0 = none
	Newer      int64 // from of the newer page; 0 = none
	PageSize   int64
	DecodeErrs int
}

// errStop ends EachLedgerEntry early.
var errStop = errors.New("stop")

func (s *Server) handleLedger(w http.ResponseWriter, r *http.Request, p *principal) error {
	ctx := r.Context()
	head, err := s.store.LedgerHead(ctx)
	if err != nil {
		return err
	}
	size := int64(s.cfg.PageSize)
	from := max(head.Seq-size+1, 1)
	if f := r.URL.Query().Get("from"); f != "" {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 1 {
			return &httpError{http.StatusBadRequest, "from must be a sequence number ≥ 1"}
		}
		from = n
	}
	v := ledgerView{Head: head, From: from, PageSize: size}
	err = s.store.EachLedgerEntry(ctx, from, func(e ledger.Entry, derr error) error {
		if int64(len(v.Entries)) >= size {
			return errStop
		}
		if derr != nil {
			v.DecodeErrs++
		}
		v.Entries = append(v.Entries, e)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	if n := len(v.Entries); n > 0 {
		v.To = v.Entries[n-1].Seq
	}
	if from > 1 {
		v.Older = max(from-size, 1)
	}
	if v.To < head.Seq && v.To > 0 {
		v.Newer = v.To + 1
	}
	// Newest first.
	for i, j := 0, len(v.Entries)-1; i < j; i, j = i+1, j-1 {
		v.Entries[i], v.Entries[j] = v.Entries[j], v.Entries[i]
	}
	pd := s.newPage(r, p, "Ledger", "ledger")
	pd.Data = v
	s.render(w, r, http.StatusOK, "ledger.html", pd)
	return nil
}

// ---- finance reports (the store's report functions, presented)

func (s *Server) handleReports(w http.ResponseWriter, r *http.Request, p *principal) error {
	pd := s.newPage(r, p, "Reports", "reports")
	s.render(w, r, http.StatusOK, "reports.html", pd)
	return nil
}

type tbRow struct {
	Account, Asset, Debit, Credit string
}

type trialBalanceView struct {
	Rows       []tbRow
	Unbalanced []string
}

func (s *Server) handleTrialBalance(w http.ResponseWriter, r *http.Request, p *principal) error {
	tb, err := finance.TrialBalance(r.Context(), s.store, time.Time{})
	if err != nil {
		return err
	}
	var v trialBalanceView
	for _, acct := range tb.Accounts() {
		assets := make([]string, 0, len(tb[acct]))
		for as := range tb[acct] {
			assets = append(assets, as)
		}
		sort.Strings(assets)
		for _, as := range assets {
			switch x := tb[acct][as]; {
			case x > 0:
				v.Rows = append(v.Rows, tbRow{Account: acct, Asset: as, Debit: fmtUnits(x, as)})
			case x < 0:
				v.Rows = append(v.Rows, tbRow{Account: acct, Asset: as, Credit: fmtUnits(-x, as)})
			}
		}
	}
	for asset, t := range tb.Totals() {
		if t != 0 {
			v.Unbalanced = append(v.Unbalanced, fmtUnits(t, asset))
		}
	}
	sort.Strings(v.Unbalanced)
	pd := s.newPage(r, p, "Trial balance", "reports")
	pd.Data = v
	s.render(w, r, http.StatusOK, "trial_balance.html", pd)
	return nil
}

type paidGroup struct {
	Month, Asset string
	Count        int
	Amount, Fees string
}

type paidView struct {
	Groups []paidGroup
	Lines  []ledger.PaidLine
}

func (s *Server) handlePaid(w http.ResponseWriter, r *http.Request, p *principal) error {
	lines, err := finance.PaidLines(r.Context(), s.store, time.Time{}, time.Time{})
	if err != nil {
		return err
	}
	type key struct{ month, asset string }
	type sum struct {
		n         int
		amt, fees int64
	}
	sums := map[key]*sum{}
	var keys []key
	for _, l := range lines {
		k := key{l.At.UTC().Format("2006-01"), l.Asset}
		if sums[k] == nil {
			sums[k] = &sum{}
			keys = append(keys, k)
		}
		sums[k].n++
		sums[k].amt += l.Amount
		sums[k].fees += l.Fee
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].month != keys[j].month {
			return keys[i].month < keys[j].month
		}
		return keys[i].asset < keys[j].asset
	})
	v := paidView{Lines: lines}
	for _, k := range keys {
		x := sums[k]
		g := paidGroup{Month: k.month, Asset: k.asset, Count: x.n, Amount: fmtUnits(x.amt, k.asset)}
		if x.fees != 0 {
			g.Fees = fmtUnits(x.fees, k.asset)
		}
		v.Groups = append(v.Groups, g)
	}
	pd := s.newPage(r, p, "Paid", "reports")
	pd.Data = v
	s.render(w, r, http.StatusOK, "paid.html", pd)
	return nil
}

type ageingBucket struct {
	Bucket, Asset string
	Count         int
	Total         string
}

type ageingPart struct {
	Name    string
	Buckets []ageingBucket
	Lines   []ledger.AgeingLine
}

func (s *Server) handleAgeing(w http.ResponseWriter, r *http.Request, p *principal) error {
	unpaid, unclaimed, err := finance.Ageing(r.Context(), s.store, s.now())
	if err != nil {
		return err
	}
	parts := []ageingPart{
		{Name: "Decided, not paid (age since decision)", Lines: unpaid},
		{Name: "Unclaimed at PayPal (age since unclaimed; PayPal returns after 30 days)", Lines: unclaimed},
	}
	for i := range parts {
		type cell struct {
			n   int
			sum int64
		}
		cells := map[[2]string]*cell{}
		assets := map[string]bool{}
		for _, l := range parts[i].Lines {
			k := [2]string{ledger.Bucket(l.Days), l.Award.Asset()}
			if cells[k] == nil {
				cells[k] = &cell{}
			}
			assets[l.Award.Asset()] = true
			cells[k].n++
			cells[k].sum += unitsOf(l.Award)
		}
		for _, b := range ledger.AgeingBuckets {
			for _, as := range sortAssets(assets) {
				if c := cells[[2]string{b.Name, as}]; c != nil {
					parts[i].Buckets = append(parts[i].Buckets, ageingBucket{Bucket: b.Name, Asset: as, Count: c.n, Total: fmtUnits(c.sum, as)})
				}
			}
		}
	}
	pd := s.newPage(r, p, "Ageing", "reports")
	pd.Data = parts
	s.render(w, r, http.StatusOK, "ageing.html", pd)
	return nil
}

type blockedRow struct {
	ledger.BlockedLine
	Due     string
	Overdue bool
}

func (s *Server) handleBlocked(w http.ResponseWriter, r *http.Request, p *principal) error {
	lines, err := finance.Blocked(r.Context(), s.store)
	if err != nil {
		return err
	}
	now := s.now()
	rows := make([]blockedRow, 0, len(lines))
	for _, l := range lines {
		row := blockedRow{BlockedLine: l, Due: fmt.Sprintf("in %d days", int(l.Deadline.Sub(now).Hours()/24))}
		if now.After(l.Deadline.Add(24 * time.Hour)) {
			row.Due, row.Overdue = "OVERDUE", true
		}
		rows = append(rows, row)
	}
	pd := s.newPage(r, p, "Blocked", "reports")
	pd.Data = rows
	s.render(w, r, http.StatusOK, "blocked.html", pd)
	return nil
}

package worker

import (
	"strings"
	"testing"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
)

// The send plan, in memory: what the send step does with each open
// attempt and each cleared award, in order, and why.
func TestSendPlan(t *testing.T) {
	const list, rules = "list-sha", "rules-v1"
	usd := func(minor int64) models.Money { return models.Money{Minor: minor, Currency: "USD"} }
	money := func(id string, m models.Money) models.Award {
		return models.Award{ID: id, Kind: models.AwardMoney, Amount: m, State: models.StateCleared, PayeeVersion: 1}
	}
	pass := models.Award{ID: "P/plex_pass", Kind: models.AwardPlexPass, State: models.StateCleared, PayeeVersion: 1}
	other := models.Award{ID: "O/other", Kind: models.AwardOther, State: models.StateCleared, PayeeVersion: 1}
	binds := models.Screening{ID: 7, Decision: string(models.DecisionClear), PayeeVersion: 1, ListSHA256: list, RulesVersion: rules}
	resendPayPal := models.Attempt{SenderBatchID: "bp-R-a1", AwardID: "R/money", Attempt: 1, Channel: payout.ChannelPayPal,
		AmountMinor: 3000, Currency: "USD", Status: models.AttemptUnknown}
	resendGrant := models.Attempt{SenderBatchID: "bp-grant-G-a1", AwardID: "G/plex_pass", Attempt: 1, Channel: payout.ChannelEntitlement,
		Status: models.AttemptPending}

	// item is one thing the plan meets: an open attempt or a cleared award
	// with its latest binding screening.
	type item struct {
		att *models.Attempt
		a   models.Award
		sc  models.Screening
	}
	type want struct {
		action   SendAction
		why      string // substring of Why
		rescreen string // substring of Rescreen ("" none)
	}
	tests := []struct {
		name  string
		plan  sendPlan
		items []item
		want  []want
	}{
		{
			name:  "everything goes",
			plan:  sendPlan{payPal: true, entitlement: true},
			items: []item{{att: &resendPayPal}, {att: &resendGrant}, {a: money("M/money", usd(5000)), sc: binds}, {a: pass, sc: binds}},
			want:  []want{{action: SendResend}, {action: SendResend}, {action: SendNew}, {action: SendGrant}},
		},
		{
			name:  "kill switch stops every send and grant",
			plan:  sendPlan{killSwitch: true, payPal: true, entitlement: true},
			items: []item{{att: &resendPayPal}, {att: &resendGrant}, {a: money("M/money", usd(5000)), sc: binds}, {a: pass, sc: binds}},
			want: []want{{action: SendWait, why: "kill switch on"}, {action: SendWait, why: "kill switch on"},
				{action: SendWait, why: "kill switch on"}, {action: SendWait, why: "kill switch on"}},
		},
		{
			name:  "without PayPal money waits, passes are granted",
			plan:  sendPlan{},
			items: []item{{att: &resendPayPal}, {a: money("M/money", usd(5000)), sc: binds}, {a: pass, sc: binds}},
			want:  []want{{action: SendWait, why: "PayPal is not configured"}, {action: SendWait, why: "PayPal is not configured"}, {action: SendGrant}},
		},
		{
			name:  "an entitlement grant in flight without the service",
			plan:  sendPlan{payPal: true},
			items: []item{{att: &resendGrant}},
			want:  []want{{action: SendWait, why: "no entitlement service is configured"}},
		},
		{
			name:  "an attempt on an unknown channel",
			plan:  sendPlan{payPal: true},
			items: []item{{att: &models.Attempt{AwardID: "X/money", Channel: "fax"}}},
			want:  []want{{action: SendWait, why: "channel fax cannot be resumed"}},
		},
		{
			name: "resends count first against the run cap, then new sends in order",
			plan: sendPlan{payPal: true, runCap: map[string]int64{"USD": 10000}},
			items: []item{{att: &resendPayPal}, {a: money("A/money", usd(5000)), sc: binds},
				{a: money("B/money", usd(5000)), sc: binds}, {a: money("C/money", usd(2000)), sc: binds},
				{a: models.Award{ID: "E/money", Kind: models.AwardMoney, Amount: models.Money{Minor: 9000, Currency: "EUR"}, PayeeVersion: 1}, sc: binds}},
			want: []want{{action: SendResend}, {action: SendNew}, {action: SendWait, why: "per-run cap of 100.00 USD reached"},
				{action: SendNew}, {action: SendNew}},
		},
		{
			name:  "per-item maximum",
			plan:  sendPlan{payPal: true, maxItem: map[string]int64{"USD": 100000}},
			items: []item{{a: money("A/money", usd(100001)), sc: binds}, {a: money("B/money", usd(100000)), sc: binds}},
			want:  []want{{action: SendWait, why: "1000.01 USD is above the per-item maximum of 1000.00 USD"}, {action: SendNew}},
		},
		{
			name: "PayPal cannot send it",
			plan: sendPlan{payPal: true},
			items: []item{{a: money("Z/money", models.Money{Minor: 1000, Currency: "ZAR"}), sc: binds},
				{a: money("N/money", usd(0)), sc: binds}},
			want: []want{{action: SendWait, why: "refused before sending: currency ZAR"}, {action: SendWait, why: "refused before sending: amount"}},
		},
		{
			name:  "other rewards are handed over by people",
			plan:  sendPlan{payPal: true},
			items: []item{{a: other}},
			want:  []want{{action: SendWait, why: "awaiting hand-over by the program team"}},
		},
		{
			name: "the screening binds only for exactly the payee version, list and rules",
			plan: sendPlan{payPal: true},
			items: []item{
				{a: money("A/money", usd(100)), sc: models.Screening{}},
				{a: money("B/money", usd(100)), sc: models.Screening{ID: 1, Decision: "clear", PayeeVersion: 1, ListSHA256: list, RulesVersion: rules, Advisory: true}},
				{a: money("C/money", usd(100)), sc: models.Screening{ID: 1, Decision: "review", PayeeVersion: 1, ListSHA256: list, RulesVersion: rules}},
				{a: models.Award{ID: "D/money", Kind: models.AwardMoney, Amount: usd(100), PayeeVersion: 2}, sc: binds},
				{a: money("E/money", usd(100)), sc: models.Screening{ID: 1, Decision: "clear", PayeeVersion: 1, ListSHA256: "older-list", RulesVersion: rules}},
				{a: pass, sc: models.Screening{ID: 1, Decision: "clear", PayeeVersion: 1, ListSHA256: list, RulesVersion: "rules-v0"}},
				{a: other, sc: models.Screening{}},
			},
			want: []want{
				{action: SendNew, rescreen: "not screened yet"},
				{action: SendNew, rescreen: "only screened at decision time"},
				{action: SendNew, rescreen: "latest screening is review"},
				{action: SendNew, rescreen: "payee version changed: screened version 1, the award is for 2"},
				{action: SendNew, rescreen: "sanctions list changed: screened against older-list, now list-sha"},
				{action: SendGrant, rescreen: `jurisdiction rules changed: screened under "rules-v0", now "rules-v1"`},
				{action: SendWait, why: "awaiting hand-over"},
			},
		},
		{
			name:  "a wait still screens again first",
			plan:  sendPlan{killSwitch: true},
			items: []item{{a: models.Award{ID: "D/money", Kind: models.AwardMoney, Amount: usd(100), PayeeVersion: 2}, sc: binds}},
			want:  []want{{action: SendWait, why: "kill switch on", rescreen: "payee version changed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.plan
			p.spent = map[string]int64{}
			if len(tt.items) != len(tt.want) {
				t.Fatal("items and want differ in length")
			}
			for i, it := range tt.items {
				var s SendStep
				if it.att != nil {
					s = p.attempt(*it.att)
				} else {
					s = p.award(it.a, it.sc, list, rules)
				}
				w := tt.want[i]
				if s.Action != w.action || !strings.Contains(s.Why, w.why) || (w.action != SendWait && s.Why != "") ||
					!strings.Contains(s.Rescreen, w.rescreen) || (w.rescreen == "") != (s.Rescreen == "") {
					t.Errorf("step %d (%s): %s, why %q, rescreen %q; want %s, why %q, rescreen %q",
						i, s.AwardID, s.Action, s.Why, s.Rescreen, w.action, w.why, w.rescreen)
				}
				if s.Action != SendWait {
					p.take(s)
				}
			}
		})
	}
}

// How a step reads in Result.Waiting.
func TestSendStepString(t *testing.T) {
	att := &models.Attempt{AwardID: "A/money", Attempt: 2, SenderBatchID: "bp-A-a2", Status: models.AttemptUnknown}
	tests := []struct {
		step SendStep
		want string
	}{
		{SendStep{Action: SendResend, AwardID: "A/money", Attempt: att}, "A/money: would resend attempt 2 (bp-A-a2, unknown) identically"},
		{SendStep{Action: SendWait, AwardID: "B/money", Why: "kill switch on"}, "B/money: kill switch on"},
		{SendStep{Action: SendWait, AwardID: "B/money", Why: "kill switch on", Rescreen: "not screened yet"},
			"B/money: kill switch on (would screen again first: not screened yet)"},
		{SendStep{Action: SendNew, AwardID: "C/money", Rescreen: "payee version changed: screened version 1, the award is for 2"},
			"C/money: would screen again first (payee version changed: screened version 1, the award is for 2), then send"},
		{SendStep{Action: SendGrant, AwardID: "P/plex_pass"}, "P/plex_pass: would grant"},
	}
	for _, tt := range tests {
		if got := tt.step.String(); got != tt.want {
			t.Errorf("got  %q\nwant %q", got, tt.want)
		}
	}
}

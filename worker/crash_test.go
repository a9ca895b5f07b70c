package worker_test

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/plex/bountypay/internal/paypalsandbox"
	"github.com/plex/bountypay/internal/pgtest"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// Environment of a crash-test child: when crashWorkerEnv is set, the test
// binary runs a worker loop instead of the tests, until it is killed.
const (
	crashWorkerEnv = "BOUNTYPAY_CRASH_WORKER"
	crashDBURLEnv  = "BOUNTYPAY_CRASH_DATABASE_URL"
	crashDirEnv    = "BOUNTYPAY_CRASH_DATA"
	crashAPIEnv    = "BOUNTYPAY_CRASH_PAYPAL"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashWorkerEnv) == "1" {
		os.Exit(crashWorker())
	}
	pgtest.Main(m)
}

// crashWorker is the child process: it runs the worker in a loop against
// the parent's sandbox and database until it is killed.
func crashWorker() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(ctx, store.Config{DatabaseURL: os.Getenv(crashDBURLEnv), DataDir: os.Getenv(crashDirEnv), Logger: log})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash worker: open store:", err)
		return 2
	}
	pp, err := paypal.NewClient(paypal.Config{ClientID: testClientID, Secret: testSecret,
		APIBase: os.Getenv(crashAPIEnv), Timeout: 500 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash worker: paypal:", err)
		return 2
	}
	r, _, err := buildRunner(st, pp, crashRunnerOpts(), log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash worker:", err)
		return 2
	}
	for ctx.Err() == nil {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, "crash worker: run:", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return 0
}

func crashRunnerOpts() runnerOpts {
	return runnerOpts{Payout: payout.Config{LeaseFor: time.Second}}
}

// TestCrashKill kills the worker process with SIGKILL at random moments,
// again and again, while reports keep arriving and PayPal misbehaves now
// and then; after a final clean run every award is paid, none twice, and
// the ledger verifies.
func TestCrashKill(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	engines(t, func(t *testing.T, engine string) {
		runCrashTest(t, engine, 50)
	})
}

func runCrashTest(t *testing.T, engine string, kills int) {
	sb, base := startSandbox(t, paypalsandbox.Config{})
	// The worker talks to the sandbox through a proxy that adds latency,
	// so that kills land inside PayPal calls, not only between them.
	slow := slowProxy(t, base, 5*time.Millisecond, 25*time.Millisecond)
	db := newDB(t, engine)
	st := db.open(t)
	loadList(t, st)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	t.Logf("seed %d", seed)

	var ids []string
	ids = append(ids, importReports(t, st, "K0", 10, 1000, "USD", false, nil)...)
	faultKinds := []paypalsandbox.Fault{
		{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultError500, Stage: paypalsandbox.StageAfter},
		{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultReset, Stage: paypalsandbox.StageAfter},
		{Endpoint: paypalsandbox.EndpointCreate, Kind: paypalsandbox.FaultTruncate},
		{Endpoint: paypalsandbox.EndpointGetBatch, Kind: paypalsandbox.FaultError500},
		{Endpoint: paypalsandbox.EndpointAny, Kind: paypalsandbox.FaultTokenRevoked},
	}
	start := time.Now()
	killedMidRun := 0
	// delay grows while children die before doing anything (a loaded
	// machine starts them slowly), so that kills land inside runs.
	delay := 100 * time.Millisecond
	for i := 1; i <= kills; i++ {
		ids = append(ids, importReports(t, st, fmt.Sprintf("K%d", i), 5, int64(1000+i), "USD", false, nil)...)
		if rng.IntN(3) == 0 {
			if err := sb.InjectFault(faultKinds[rng.IntN(len(faultKinds))]); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashWorkerEnv+"=1", crashDBURLEnv+"="+db.URL, crashDirEnv+"="+db.Dir, crashAPIEnv+"="+slow)
		cmd.Stderr = &prefixWriter{t: t}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		before := attemptCount(t, st)
		time.Sleep(delay + time.Duration(rng.IntN(300))*time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("kill %d: worker was not killed (%v): it exited by itself", i, err)
		}
		if n := openCount(t, st); n > 0 {
			killedMidRun++
		}
		if attemptCount(t, st) == before && delay < 3*time.Second {
			delay += 200 * time.Millisecond
		}
	}
	killTime := time.Since(start)

	// A final clean run (after the dead workers' leases expire).
	sb.ClearFaults()
	time.Sleep(1100 * time.Millisecond)
	pp := newPayPal(t, sb, base, 2*time.Second)
	r, _ := newRunner(t, st, pp, crashRunnerOpts())
	runUntil(t, r, sb, 10, func() bool { return allIn(t, st, ids, models.StatePaid) })

	checkPaidOnce(t, sb, ids)
	bal := checkLedger(t, st)
	if v := bal[ledger.AccountInFlight]["USD"]; v != 0 {
		t.Errorf("in flight at the end: %d", v)
	}
	resends, creates := 0, 0
	for _, rq := range sb.Requests() {
		if rq.Endpoint == paypalsandbox.EndpointCreate {
			creates++
		}
	}
	for _, id := range ids {
		atts, _ := st.AttemptsForAward(context.Background(), id)
		for _, a := range atts {
			if a.Submissions > 1 {
				resends++
			}
		}
	}
	t.Logf("%s: base kill delay %s at the end", engine, delay)
	t.Logf("%s: %d kills in %s (%d left open attempts behind), %d awards paid once each, %d creates for %d awards, %d attempts resent",
		engine, kills, killTime.Round(time.Millisecond), killedMidRun, len(ids), creates, len(ids), resends)
	if killedMidRun == 0 {
		t.Error("no kill interrupted a send: the test proves nothing")
	}
}

// attemptCount counts every attempt written.
func attemptCount(t testing.TB, st *store.Store) int {
	atts, err := st.AttemptsByStatus(context.Background(), 0, models.AttemptPending, models.AttemptUnknown,
		models.AttemptDeferred, models.AttemptAccepted, models.AttemptSettled, models.AttemptRejected, models.AttemptManual)
	if err != nil {
		t.Fatal(err)
	}
	return len(atts)
}

// openCount counts attempts whose outcome is open (a kill mid-send).
func openCount(t testing.TB, st *store.Store) int {
	atts, err := st.AttemptsByStatus(context.Background(), 0, store.OpenAttemptStatuses()...)
	if err != nil {
		t.Fatal(err)
	}
	return len(atts)
}

// prefixWriter passes a child's stderr to the test log.
type prefixWriter struct{ t testing.TB }

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Log("worker: " + strconv.Quote(string(p)))
	return len(p), nil
}

// slowProxy forwards to base, delaying each request by a random time in
// [min, max).
func slowProxy(t testing.TB, base string, min, max time.Duration) string {
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = stdlog.New(io.Discard, "", 0) // killed workers leave broken requests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(min + time.Duration(rand.Int64N(int64(max-min))))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

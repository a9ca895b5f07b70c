package paypal

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/plex/bountypay/models"
)

// An item event with characters that json re-marshalling would escape
// (& < >) and non-canonical spacing: only verification over the raw bytes
// accepts it.
const webhookBody = `{"id":"WH-7Y7254563A4550640-11V2185806837105M","event_version":"1.0","create_time":"2026-01-02T03:04:30.000Z","resource_type":"payouts_item","event_type":"PAYMENT.PAYOUTS-ITEM.SUCCEEDED","summary":"A payout item has succeeded & <cleared>",
 "resource":{"payout_item_id":"8AELMXH8UB2P8","transaction_id":"0C413693MN970190K","transaction_status":"SUCCESS","payout_batch_id":"Q8KVJG9TZTNN4","sender_batch_id":"bb-award-1-a1","payout_item_fee":{"currency":"USD","value":"0.25"},"payout_item":{"recipient_type":"EMAIL","amount":{"currency":"USD","value":"10.00"},"receiver":"researcher@example.com","sender_item_id":"award-1"},"time_processed":"2026-01-02T03:04:25Z","links":[]},"links":[]}`

const batchWebhookBody = `{"id":"WH-BATCH-1","create_time":"2026-01-02T03:04:31Z","resource_type":"payouts","event_type":"PAYMENT.PAYOUTSBATCH.SUCCESS","resource":{"batch_header":{"payout_batch_id":"Q8KVJG9TZTNN4","batch_status":"SUCCESS","sender_batch_header":{"sender_batch_id":"bb-award-1-a1"}}}}`

const testWebhookID = "1JE4291016473214C"

type signer struct {
	key     *rsa.PrivateKey
	certPEM []byte
}

func newSigner(t testing.TB, notBefore, notAfter time.Time) signer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "messageverificationcerts.paypal.com"},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return signer{key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// headers signs body the way PayPal does.
func (s signer) headers(t testing.TB, certURL, webhookID string, body []byte) http.Header {
	t.Helper()
	tid, ttime := "b2384410-f8d2-11ee-9f66-bd7ab5a0ab0d", "2026-01-02T03:04:32Z"
	digest := sha256.Sum256([]byte(signInput(tid, ttime, webhookID, body)))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("PAYPAL-AUTH-ALGO", "SHA256withRSA")
	h.Set("PAYPAL-CERT-URL", certURL)
	h.Set("PAYPAL-TRANSMISSION-ID", tid)
	h.Set("PAYPAL-TRANSMISSION-SIG", base64.StdEncoding.EncodeToString(sig))
	h.Set("PAYPAL-TRANSMISSION-TIME", ttime)
	return h
}

// certServer serves PEM files by path and counts fetches.
type certServer struct {
	srv     *httptest.Server
	fetches atomic.Int32
	mu      sync.Mutex
	files   map[string][]byte
}

func newCertServer(t testing.TB) *certServer {
	cs := &certServer{files: map[string][]byte{}}
	cs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.fetches.Add(1)
		if r.Header.Get("Authorization") != "" {
			t.Errorf("credentials sent to the cert host")
		}
		cs.mu.Lock()
		b, ok := cs.files[r.URL.Path]
		cs.mu.Unlock()
		switch {
		case r.URL.Path == "/v1/notifications/certs/CERT-500":
			w.WriteHeader(500)
		case !ok:
			http.NotFound(w, r)
		default:
			w.Write(b)
		}
	}))
	t.Cleanup(cs.srv.Close)
	return cs
}

func (cs *certServer) put(path string, pem []byte) string {
	cs.mu.Lock()
	cs.files[path] = pem
	cs.mu.Unlock()
	return cs.srv.URL + path
}

func (cs *certServer) hostEntry() string { return "http://" + cs.srv.Listener.Addr().String() }

func webhookClient(t *testing.T, cs *certServer, now time.Time) *Client {
	t.Helper()
	cfg := testConfig("https://api-m.sandbox.paypal.com")
	cfg.WebhookID = testWebhookID
	cfg.CertHosts = append([]string{cs.hostEntry()}, DefaultCertHosts()...)
	cfg.NowFunc = func() time.Time { return now }
	c, err := NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVerifyWebhook(t *testing.T) {
	t.Parallel()
	now := time.Now()
	good := newSigner(t, now.Add(-time.Hour), now.Add(24*time.Hour))
	other := newSigner(t, now.Add(-time.Hour), now.Add(24*time.Hour))
	expired := newSigner(t, now.Add(-48*time.Hour), now.Add(-time.Hour))
	future := newSigner(t, now.Add(time.Hour), now.Add(48*time.Hour))

	cs := newCertServer(t)
	goodURL := cs.put("/v1/notifications/certs/CERT-good", good.certPEM)
	otherURL := cs.put("/v1/notifications/certs/CERT-other", other.certPEM)
	expiredURL := cs.put("/v1/notifications/certs/CERT-expired", expired.certPEM)
	futureURL := cs.put("/v1/notifications/certs/CERT-future", future.certPEM)
	garbageURL := cs.put("/v1/notifications/certs/CERT-garbage", []byte("not a certificate"))
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ecDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(9), NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)},
		&x509.Certificate{SerialNumber: big.NewInt(9), NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}, &ecKey.PublicKey, ecKey)
	ecURL := cs.put("/v1/notifications/certs/CERT-ec", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ecDER}))

	body := []byte(webhookBody)
	tests := []struct {
		name   string
		header func() http.Header
		body   []byte
		want   error // nil: verifies
	}{
		{"valid", func() http.Header { return good.headers(t, goodURL, testWebhookID, body) }, body, nil},
		{"valid batch event", func() http.Header { return good.headers(t, goodURL, testWebhookID, []byte(batchWebhookBody)) }, []byte(batchWebhookBody), nil},
		{"tampered body", func() http.Header { return good.headers(t, goodURL, testWebhookID, body) },
			[]byte(strings.Replace(webhookBody, `"SUCCESS"`, `"FAILED"`, 1)), ErrWebhookSignature},
		{"re-marshalled body refused", func() http.Header { return good.headers(t, goodURL, testWebhookID, body) },
			[]byte(strings.Replace(webhookBody, "&", `\u0026`, 1)), ErrWebhookSignature},
		{"signed by another key, its cert URL", func() http.Header { return other.headers(t, goodURL, testWebhookID, body) }, body, ErrWebhookSignature},
		{"wrong cert", func() http.Header { return good.headers(t, otherURL, testWebhookID, body) }, body, ErrWebhookSignature},
		{"other webhook id", func() http.Header { return good.headers(t, goodURL, "OTHERWEBHOOK", body) }, body, ErrWebhookSignature},
		{"disallowed cert host", func() http.Header {
			return good.headers(t, "https://evil.example.com/v1/notifications/certs/CERT-good", testWebhookID, body)
		}, body, ErrWebhookCert},
		{"lookalike host", func() http.Header {
			return good.headers(t, "https://api.paypal.com.evil.example/certs/CERT", testWebhookID, body)
		}, body, ErrWebhookCert},
		{"http to a PayPal host", func() http.Header {
			return good.headers(t, "http://api.paypal.com/v1/notifications/certs/CERT", testWebhookID, body)
		}, body, ErrWebhookCert},
		{"userinfo in URL", func() http.Header {
			return good.headers(t, "https://x@api.paypal.com/v1/notifications/certs/CERT", testWebhookID, body)
		}, body, ErrWebhookCert},
		{"https to an http-only test host", func() http.Header {
			return good.headers(t, strings.Replace(goodURL, "http://", "https://", 1), testWebhookID, body)
		}, body, ErrWebhookCert},
		{"expired cert", func() http.Header { return expired.headers(t, expiredURL, testWebhookID, body) }, body, ErrWebhookCert},
		{"not yet valid cert", func() http.Header { return future.headers(t, futureURL, testWebhookID, body) }, body, ErrWebhookCert},
		{"not PEM", func() http.Header { return good.headers(t, garbageURL, testWebhookID, body) }, body, ErrWebhookCert},
		{"EC cert", func() http.Header { return good.headers(t, ecURL, testWebhookID, body) }, body, ErrWebhookCert},
		{"cert 404", func() http.Header {
			return good.headers(t, cs.srv.URL+"/v1/notifications/certs/NOPE", testWebhookID, body)
		}, body, ErrWebhookCert},
		{"cert host 500", func() http.Header {
			return good.headers(t, cs.srv.URL+"/v1/notifications/certs/CERT-500", testWebhookID, body)
		}, body, models.ErrTransient},
		{"lower-case header keys", func() http.Header {
			h := http.Header{}
			for k, v := range good.headers(t, goodURL, testWebhookID, body) {
				h[strings.ToLower(k)] = v
			}
			return h
		}, body, nil},
		{"missing signature", func() http.Header {
			h := good.headers(t, goodURL, testWebhookID, body)
			h.Del("Paypal-Transmission-Sig")
			return h
		}, body, ErrWebhookSignature},
		{"other algo", func() http.Header {
			h := good.headers(t, goodURL, testWebhookID, body)
			h.Set("Paypal-Auth-Algo", "SHA1withRSA")
			return h
		}, body, ErrWebhookSignature},
		{"signature not base64", func() http.Header {
			h := good.headers(t, goodURL, testWebhookID, body)
			h.Set("Paypal-Transmission-Sig", "!!!")
			return h
		}, body, ErrWebhookSignature},
	}
	c := webhookClient(t, cs, now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := c.VerifyWebhook(ctxT(t), tt.header(), tt.body)
			if tt.want != nil {
				if !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
				if tt.want != models.ErrTransient && !errors.Is(err, models.ErrInvalid) {
					t.Errorf("err = %v, want it to match ErrInvalid", err)
				}
				if ev.ID != "" {
					t.Errorf("event returned with error: %+v", ev)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch ev.ResourceType {
			case "payouts_item":
				want := EventResource{PayoutItemID: "8AELMXH8UB2P8", PayoutBatchID: "Q8KVJG9TZTNN4", SenderBatchID: "bb-award-1-a1",
					SenderItemID: "award-1", TransactionID: "0C413693MN970190K", TransactionStatus: "SUCCESS"}
				if ev.ID != "WH-7Y7254563A4550640-11V2185806837105M" || ev.EventType != "PAYMENT.PAYOUTS-ITEM.SUCCEEDED" ||
					ev.Resource != want || !ev.CreateTime.Equal(time.Date(2026, 1, 2, 3, 4, 30, 0, time.UTC)) {
					t.Errorf("event %+v", ev)
				}
			case "payouts":
				want := EventResource{PayoutBatchID: "Q8KVJG9TZTNN4", SenderBatchID: "bb-award-1-a1", BatchStatus: "SUCCESS"}
				if ev.ID != "WH-BATCH-1" || ev.EventType != "PAYMENT.PAYOUTSBATCH.SUCCESS" || ev.Resource != want {
					t.Errorf("event %+v", ev)
				}
			default:
				t.Errorf("resource type %q", ev.ResourceType)
			}
		})
	}
}

func TestVerifyWebhookCachesCert(t *testing.T) {
	t.Parallel()
	now := time.Now()
	s := newSigner(t, now.Add(-time.Hour), now.Add(time.Hour))
	cs := newCertServer(t)
	u := cs.put("/v1/notifications/certs/CERT-1", s.certPEM)
	c := webhookClient(t, cs, now)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.VerifyWebhook(ctxT(t), s.headers(t, u, testWebhookID, []byte(webhookBody)), []byte(webhookBody)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	before := cs.fetches.Load()
	for range 3 {
		if _, err := c.VerifyWebhook(ctxT(t), s.headers(t, u, testWebhookID, []byte(webhookBody)), []byte(webhookBody)); err != nil {
			t.Fatal(err)
		}
	}
	if cs.fetches.Load() != before || before > 8 || before < 1 {
		t.Errorf("cert fetched %d times then %d more", before, cs.fetches.Load()-before)
	}
}

func TestVerifyWebhookNoWebhookID(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testConfig("https://api-m.sandbox.paypal.com"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyWebhook(ctxT(t), http.Header{}, []byte(webhookBody)); !errors.Is(err, models.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
}

func TestSignInputCRCIsUnsignedDecimal(t *testing.T) {
	t.Parallel()
	// crc32("a") = 0xE8B7BE43 = 3904355907, above MaxInt32: a signed
	// rendering would be negative.
	if got := signInput("tid", "time", "wh", []byte("a")); got != "tid|time|wh|3904355907" {
		t.Errorf("signInput = %q", got)
	}
}

func TestCertHostsAllowed(t *testing.T) {
	t.Parallel()
	h, err := parseCertHosts([]string{"api.paypal.com", "http://127.0.0.1:9000", "https://sandbox.local:8443"})
	if err != nil {
		t.Fatal(err)
	}
	for raw, want := range map[string]bool{
		"https://api.paypal.com/v1/notifications/certs/CERT-1":     true,
		"https://API.PAYPAL.COM/v1/notifications/certs/CERT-1":     true,
		"https://api.paypal.com:443/v1/notifications/certs/CERT-1": true,
		"https://api.paypal.com:8443/certs":                        false,
		"http://api.paypal.com/certs":                              false,
		"http://127.0.0.1:9000/certs":                              true,
		"http://127.0.0.1:9001/certs":                              false,
		"https://127.0.0.1:9000/certs":                             false,
		"https://sandbox.local:8443/certs":                         true,
		"ftp://api.paypal.com/certs":                               false,
		"https://api-m.paypal.com/certs":                           false,
	} {
		u, _ := url.Parse(raw)
		if got := h.allowed(u); got != want {
			t.Errorf("allowed(%s) = %v, want %v", raw, got, want)
		}
	}
	d, _ := parseCertHosts(nil)
	for _, host := range DefaultCertHosts() {
		u, _ := url.Parse("https://" + host + "/v1/notifications/certs/CERT-1")
		if !d.allowed(u) {
			t.Errorf("default list refuses %s", host)
		}
	}
}

package ofac

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The file names of the published lists, lower-case as stored on disk.
const (
	FileSDN          = "sdn.csv"
	FileAlt          = "alt.csv"
	FileAdd          = "add.csv"
	FileComments     = "sdn_comments.csv"
	FileConsPrim     = "cons_prim.csv"
	FileConsAlt      = "cons_alt.csv"
	FileConsAdd      = "cons_add.csv"
	FileConsComments = "cons_comments.csv"
)

// AllFiles lists every file name LoadFS and Fetch look for, in load order.
func AllFiles() []string {
	return []string{FileSDN, FileAlt, FileAdd, FileComments, FileConsPrim, FileConsAlt, FileConsAdd, FileConsComments}
}

// DefaultBaseURL is OFAC's Sanctions List Service export folder. It answers
// with a redirect to the current publication on S3.
const DefaultBaseURL = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"

// maxFileBytes bounds one downloaded or loaded file.
const maxFileBytes = 256 << 20

// FileInfo describes one loaded file.
type FileInfo struct {
	Name       string `json:"name"`   // lower-case canonical name, e.g. "sdn.csv"
	SHA256     string `json:"sha256"` // of the bytes as published
	Rows       int    `json:"rows"`
	Bytes      int    `json:"bytes"`
	Terminated bool   `json:"terminated"` // ended with OFAC's 0x1A byte
}

// Counts summarises a List.
type Counts struct {
	Entries     int `json:"entries"`
	SDN         int `json:"sdn"`
	CONS        int `json:"cons"`
	Aliases     int `json:"aliases"`      // alt.csv rows joined, plus weak aliases
	WeakAliases int `json:"weak_aliases"` // a.k.a. from remarks
	Addresses   int `json:"addresses"`
	Comments    int `json:"comments"`
	// Orphans counts alt, add and comment rows whose entity is not in the
	// primary file (the files came from different publications).
	Orphans         int `json:"orphans"`
	OrphanAliases   int `json:"orphan_aliases"`
	OrphanAddresses int `json:"orphan_addresses"`
	OrphanComments  int `json:"orphan_comments"`
}

// List is one loaded, validated set of OFAC files.
type List struct {
	Entries []Entry
	Files   []FileInfo
	// SHA256 identifies the set: the SHA-256 over "name sha256\n" of every
	// file, sorted by name. The same files give the same hash.
	SHA256 string
	Counts Counts
	// Published is the publication date when known (Fetch reads it from
	// the redirect target); zero otherwise.
	Published time.Time
}

// LoadDir loads the OFAC files in dir. sdn.csv is required; alt.csv,
// add.csv, sdn_comments.csv and the Consolidated files are optional. File
// names are matched case-insensitively. It returns a *ParseError for a
// malformed row and an error wrapping fs.ErrNotExist when sdn.csv is
// missing.
func LoadDir(dir string) (*List, error) {
	return LoadFS(os.DirFS(dir))
}

// LoadFS is LoadDir over a file system.
func LoadFS(fsys fs.FS) (*List, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("ofac: read dir: %w", err)
	}
	byLower := map[string]string{}
	for _, e := range ents {
		if !e.IsDir() {
			byLower[strings.ToLower(e.Name())] = e.Name()
		}
	}
	files := map[string][]byte{}
	for _, name := range AllFiles() {
		real, ok := byLower[name]
		if !ok {
			continue
		}
		f, err := fsys.Open(real)
		if err != nil {
			return nil, fmt.Errorf("ofac: open %s: %w", real, err)
		}
		data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("ofac: read %s: %w", real, err)
		}
		if len(data) > maxFileBytes {
			return nil, fmt.Errorf("ofac: %s is larger than %d bytes", real, maxFileBytes)
		}
		files[name] = data
	}
	return Build(files)
}

// Fetch downloads the lists from baseURL (DefaultBaseURL in production),
// following redirects, and loads them. See FetchFiles.
func Fetch(ctx context.Context, client *http.Client, baseURL string) (*List, error) {
	files, published, err := FetchFiles(ctx, client, baseURL)
	if err != nil {
		return nil, err
	}
	l, err := Build(files)
	if err != nil {
		return nil, err
	}
	l.Published = published
	return l, nil
}

// FetchFiles downloads OFAC's files from baseURL, following redirects:
// it requests the upper-case names (SDN.CSV, ALT.CSV, …, CONS_PRIM.CSV, …)
// and returns the bytes keyed by the lower-case names Build takes, with the
// publication date read from the redirect target (zero when it has none).
// SDN.CSV is required; a 404 for any other file skips that file. A network
// error or a 5xx is retried twice with a short pause; other statuses are
// errors.
func FetchFiles(ctx context.Context, client *http.Client, baseURL string) (map[string][]byte, time.Time, error) {
	if client == nil {
		client = http.DefaultClient
	}
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	files := map[string][]byte{}
	var published time.Time
	for _, name := range AllFiles() {
		upper := strings.ToUpper(name)
		var data []byte
		var final string
		var err error
		for try := 0; try < 3; try++ {
			if try > 0 {
				select {
				case <-ctx.Done():
					return nil, time.Time{}, ctx.Err()
				case <-time.After(time.Duration(try) * 500 * time.Millisecond):
				}
			}
			data, final, err = get(ctx, client, baseURL+upper)
			var he *httpError
			if err == nil || errors.Is(err, errNotFound) || (errors.As(err, &he) && he.status < 500) {
				break
			}
		}
		if errors.Is(err, errNotFound) && name != FileSDN {
			continue
		}
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("ofac: fetch %s: %w", upper, err)
		}
		if name == FileSDN {
			published = dateFromURL(final)
		}
		files[name] = data
	}
	return files, published, nil
}

// httpError is an unexpected HTTP status.
type httpError struct{ status int }

func (e *httpError) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

var errNotFound = errors.New("not found")

func get(ctx context.Context, client *http.Client, url string) ([]byte, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, "", errNotFound
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", &httpError{resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFileBytes+1))
	if err != nil {
		return nil, "", err
	}
	if len(data) > maxFileBytes {
		return nil, "", fmt.Errorf("larger than %d bytes", maxFileBytes)
	}
	return data, resp.Request.URL.String(), nil
}

var urlDate = regexp.MustCompile(`(20\d\d)-?([01]\d)-?([0-3]\d)`)

// dateFromURL reads the publication date from the redirect target's folder
// name, when it has one.
func dateFromURL(u string) time.Time {
	m := urlDate.FindStringSubmatch(u)
	if m == nil {
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3])
	if err != nil {
		return time.Time{}
	}
	return t
}

// Build parses and joins a set of files keyed by their lower-case names
// (see AllFiles). sdn.csv is required.
func Build(files map[string][]byte) (*List, error) {
	if _, ok := files[FileSDN]; !ok {
		return nil, fmt.Errorf("ofac: %s: %w", FileSDN, fs.ErrNotExist)
	}
	l := &List{}
	for _, name := range AllFiles() {
		data, ok := files[name]
		if !ok {
			continue
		}
		sum := sha256.Sum256(data)
		_, term := trimEOF(data)
		l.Files = append(l.Files, FileInfo{Name: name, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data), Terminated: term})
	}
	rows := map[string]int{}
	for _, set := range []struct {
		source, prim, alt, add, comments string
	}{
		{SourceSDN, FileSDN, FileAlt, FileAdd, FileComments},
		{SourceCONS, FileConsPrim, FileConsAlt, FileConsAdd, FileConsComments},
	} {
		data, ok := files[set.prim]
		if !ok {
			for _, f := range []string{set.alt, set.add, set.comments} {
				if _, ok := files[f]; ok {
					return nil, fmt.Errorf("ofac: %s without %s", f, set.prim)
				}
			}
			continue
		}
		entries, err := ParsePrimary(set.prim, set.source, data)
		if err != nil {
			return nil, err
		}
		rows[set.prim] = len(entries)
		idx := make(map[int]int, len(entries))
		for i := range entries {
			idx[entries[i].ID] = i
		}
		if data, ok := files[set.comments]; ok {
			cs, err := ParseComments(set.comments, data)
			if err != nil {
				return nil, err
			}
			rows[set.comments] = len(cs)
			for _, c := range cs {
				i, ok := idx[c.EntID]
				if !ok {
					l.Counts.OrphanComments++
					continue
				}
				entries[i].Remarks += c.Text
				l.Counts.Comments++
			}
		}
		for i := range entries {
			entries[i].Remarks = strings.TrimSpace(entries[i].Remarks)
		}
		if data, ok := files[set.alt]; ok {
			as, err := ParseAlt(set.alt, data)
			if err != nil {
				return nil, err
			}
			rows[set.alt] = len(as)
			for _, a := range as {
				i, ok := idx[a.EntID]
				if !ok {
					l.Counts.OrphanAliases++
					continue
				}
				entries[i].Aliases = append(entries[i].Aliases, a.Alias)
			}
		}
		if data, ok := files[set.add]; ok {
			as, err := ParseAdd(set.add, data)
			if err != nil {
				return nil, err
			}
			rows[set.add] = len(as)
			for _, a := range as {
				i, ok := idx[a.EntID]
				if !ok {
					l.Counts.OrphanAddresses++
					continue
				}
				e := &entries[i]
				e.Addresses = append(e.Addresses, a.Address)
				l.Counts.Addresses++
				e.AddressCountries = appendUniq(e.AddressCountries, a.Address.Country)
			}
		}
		for i := range entries {
			parseRemarks(&entries[i])
			for _, a := range entries[i].Aliases {
				l.Counts.Aliases++
				if a.Weak {
					l.Counts.WeakAliases++
				}
			}
		}
		if set.source == SourceSDN {
			l.Counts.SDN = len(entries)
		} else {
			l.Counts.CONS = len(entries)
		}
		l.Entries = append(l.Entries, entries...)
	}
	for i := range l.Files {
		l.Files[i].Rows = rows[l.Files[i].Name]
	}
	l.Counts.Entries = len(l.Entries)
	l.Counts.Orphans = l.Counts.OrphanAliases + l.Counts.OrphanAddresses + l.Counts.OrphanComments
	l.SHA256 = setHash(l.Files)
	return l, nil
}

func setHash(files []FileInfo) string {
	fs := append([]FileInfo(nil), files...)
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	h := sha256.New()
	for _, f := range fs {
		fmt.Fprintf(h, "%s %s\n", f.Name, f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DefaultMinRatio is the share of the current list's entries (and of its
// SDN entries) that a replacement must keep at least.
const DefaultMinRatio = 0.9

// ErrShrunk is returned (wrapped) by CheckReplacement.
var ErrShrunk = errors.New("list shrank too much")

// CheckReplacement is CheckReplacementRatio with DefaultMinRatio.
func CheckReplacement(current, next Counts) error {
	return CheckReplacementRatio(current, next, DefaultMinRatio)
}

// CheckReplacementRatio refuses a new list that is much smaller than the
// current one: fewer than minRatio (DefaultMinRatio when 0) of its
// entries, of its SDN entries, or of its aliases, or no SDN entries at
// all. A truncated or half-published download is caught here; a malformed
// one is already an error from parsing. The error wraps ErrShrunk.
func CheckReplacementRatio(current, next Counts, minRatio float64) error {
	if minRatio <= 0 {
		minRatio = DefaultMinRatio
	}
	if next.SDN == 0 {
		return fmt.Errorf("ofac: new list has no SDN entries: %w", ErrShrunk)
	}
	for _, c := range []struct {
		what      string
		cur, next int
	}{
		{"entries", current.Entries, next.Entries},
		{"SDN entries", current.SDN, next.SDN},
		{"aliases", current.Aliases, next.Aliases},
	} {
		if c.cur > 0 && float64(c.next) < minRatio*float64(c.cur) {
			return fmt.Errorf("ofac: new list has %d %s, current has %d (below %.0f%%); refusing to replace it: %w",
				c.next, c.what, c.cur, minRatio*100, ErrShrunk)
		}
	}
	return nil
}

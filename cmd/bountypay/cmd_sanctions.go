package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

func sanctionsLoad(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	base := fs.String("url", "", "download OFAC's files (SDN.CSV, ALT.CSV, …) from this base `URL`, e.g. "+ofac.DefaultBaseURL)
	force := fs.Bool("force", false, "accept a list much smaller than the current one")
	by := a.byFlag(fs, "`name` recorded in the ledger")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	var files map[string][]byte
	var source string
	var published time.Time
	var err error
	switch {
	case *base != "" && fs.NArg() == 0:
		source = *base
		files, published, err = ofac.FetchFiles(ctx, &http.Client{Timeout: 2 * time.Minute}, *base)
	case *base == "" && fs.NArg() == 1:
		source, _ = filepath.Abs(fs.Arg(0))
		files, err = readListDir(fs.Arg(0))
	default:
		return &exitError{2, errors.New("sanctions load needs a DIR or --url BASE")}
	}
	if err != nil {
		return err
	}
	list, err := ofac.Build(files)
	if err != nil {
		return fmt.Errorf("sanctions load %s: list refused, current list stays in use: %w", source, err)
	}
	list.Published = published
	st, err := a.authorized(ctx, *by, models.ActLoadList)
	if err != nil {
		return err
	}
	v, err := saveList(ctx, st, list, files, source, *force, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "sanctions list %.16s… is current: %d entries (%d SDN, %d Consolidated), %d aliases (%d weak), %d addresses\n",
		v.SHA256, list.Counts.Entries, list.Counts.SDN, list.Counts.CONS, list.Counts.Aliases, list.Counts.WeakAliases, list.Counts.Addresses)
	if list.Counts.Orphans > 0 {
		fmt.Fprintf(a.stdout, "note: %d alt/add/comment rows name entities not in the primary file (files from different publications?)\n", list.Counts.Orphans)
	}
	rep, err := rescreenAfterLoad(ctx, a)
	if err != nil {
		return fmt.Errorf("list loaded, but rescreening failed: %w", err)
	}
	printRescreen(a, rep)
	return nil
}

// saveList checks a new list against the current one and stores it.
func saveList(ctx context.Context, st *store.Store, list *ofac.List, files map[string][]byte, source string, force bool, by string) (models.ListVersion, error) {
	cur, err := st.CurrentList(ctx)
	switch {
	case err == nil && !force && cur.SHA256 != list.SHA256:
		var curCounts ofac.Counts
		if err := json.Unmarshal([]byte(cur.Counts), &curCounts); err == nil {
			if err := ofac.CheckReplacement(curCounts, list.Counts); err != nil {
				return models.ListVersion{}, fmt.Errorf("sanctions load %s: %w; the current list stays in use (use --force to accept it)", source, err)
			}
		}
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return models.ListVersion{}, err
	}
	counts, _ := json.Marshal(list.Counts)
	v := models.ListVersion{SHA256: list.SHA256, Source: source, Entries: list.Counts.Entries,
		Aliases: list.Counts.Aliases, Addresses: list.Counts.Addresses, Counts: string(counts)}
	if !list.Published.IsZero() {
		p := list.Published
		v.PublishedAt = &p
	}
	var sf []models.ListFile
	for _, fi := range list.Files {
		sf = append(sf, models.ListFile{Name: fi.Name, SHA256: fi.SHA256, Size: int64(fi.Bytes), Content: files[fi.Name]})
	}
	return st.SaveList(ctx, v, sf, by)
}

// readListDir reads the OFAC files of a directory, names matched
// case-insensitively.
func readListDir(dir string) (map[string][]byte, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("sanctions load: %w", err)
	}
	known := map[string]bool{}
	for _, n := range ofac.AllFiles() {
		known[n] = true
	}
	files := map[string][]byte{}
	for _, e := range ents {
		name := strings.ToLower(e.Name())
		if e.IsDir() || !known[name] {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("sanctions load: %w", err)
		}
		files[name] = data
	}
	if _, ok := files[ofac.FileSDN]; !ok {
		return nil, fmt.Errorf("sanctions load %s: no sdn.csv in the directory: %w", dir, models.ErrInvalid)
	}
	return files, nil
}

func sanctionsList(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	vs, err := st.ListVersions(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CURRENT\tSHA256\tLOADED\tPUBLISHED\tENTRIES\tALIASES\tADDRESSES\tSOURCE")
	for _, v := range vs {
		cur := ""
		if v.IsCurrent {
			cur = "*"
		}
		published := "-"
		if v.PublishedAt != nil {
			published = v.PublishedAt.UTC().Format(time.DateOnly)
		}
		fmt.Fprintf(tw, "%s\t%.16s\t%s\t%s\t%d\t%d\t%d\t%s\n", cur, v.SHA256, v.LoadedAt.UTC().Format(time.RFC3339), published, v.Entries, v.Aliases, v.Addresses, v.Source)
	}
	return tw.Flush()
}

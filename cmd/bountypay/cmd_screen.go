package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/compliance/ofac"
	"github.com/plex/bountypay/models"
)

// screenOutput is the contract of `screen --json`: one object per query.
type screenOutput struct {
	Query    string        `json:"query"`
	Decision string        `json:"decision"`
	Score    float64       `json:"score"`
	Reasons  []string      `json:"reasons"`
	Matches  []screenMatch `json:"matches"`
}

type screenMatch struct {
	ID       int      `json:"id"`
	Source   string   `json:"source"`
	Name     string   `json:"name"`
	Score    float64  `json:"score"`
	Programs []string `json:"programs"`
}

func cmdScreen(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	lists := fs.String("lists", "", "screen against the OFAC CSV files in this `directory` without touching the database")
	asJSON := fs.Bool("json", false, "print one JSON object per query, in input order")
	input := fs.String("input", "", "read queries from `FILE` (one per line: NAME or NAME<TAB>COUNTRY; - for standard input)")
	var q compliance.Query
	fs.StringVar(&q.Country, "country", "", "NAMEs: ISO 3166-1 alpha-2 `code` of residence (applies the jurisdiction rules)")
	fs.StringVar(&q.Region, "region", "", "NAMEs: ISO 3166-2 `code` of residence")
	fs.StringVar(&q.City, "city", "", "NAMEs: `city` of residence")
	fs.StringVar(&q.PostalCode, "postal-code", "", "NAMEs: postal `code` of residence")
	fs.StringVar(&q.DateOfBirth, "date-of-birth", "", "NAMEs: `YYYY-MM-DD`, a qualifier")
	fs.StringVar(&q.Type, "type", "", "NAMEs: individual or entity (the worker screens researchers as individual)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if q.Type != "" && q.Type != "individual" && q.Type != "entity" {
		return &exitError{2, fmt.Errorf("--type %q: want individual or entity: %w", q.Type, models.ErrInvalid)}
	}
	var queries []compliance.Query
	for _, n := range fs.Args() {
		qn := q
		qn.Name = n
		queries = append(queries, qn)
	}
	if *input != "" {
		qs, err := readQueries(*input, a.stdin)
		if err != nil {
			return err
		}
		queries = append(queries, qs...)
	}
	if len(queries) == 0 {
		return &exitError{2, errors.New("screen needs NAMEs or --input FILE")}
	}
	var list *ofac.List
	var err error
	if *lists != "" {
		if list, err = ofac.LoadDir(*lists); err != nil {
			return fmt.Errorf("screen --lists %s: %w", *lists, err)
		}
	} else {
		st, err := a.store(ctx)
		if err != nil {
			return err
		}
		v, err := st.CurrentList(ctx)
		if errors.Is(err, models.ErrNotFound) {
			return fmt.Errorf("no sanctions list loaded: run bountypay sanctions load DIR, or pass --lists DIR")
		}
		if err != nil {
			return err
		}
		files, err := st.ListFiles(ctx, v.ID)
		if err != nil {
			return err
		}
		m := map[string][]byte{}
		for _, f := range files {
			m[f.Name] = f.Content
		}
		if list, err = ofac.Build(m); err != nil {
			return err
		}
	}
	sc, err := buildScreener(list, a.cfg.reviewThreshold)
	if err != nil {
		return err
	}
	juris, err := newJurisdictions()
	if err != nil {
		return err
	}
	results := sc.ScreenBatch(queries)
	now := time.Now().UTC()
	out := make([]screenOutput, len(results))
	for i, r := range results {
		o := screenOutput{Query: queries[i].Name, Decision: string(r.Decision), Score: r.Score, Reasons: r.Reasons, Matches: []screenMatch{}}
		if o.Reasons == nil {
			o.Reasons = []string{}
		}
		// The one verdict the worker uses too (without remembered
		// decisions: this command touches no payee).
		qi := queries[i]
		j := juris.Evaluate(compliance.JurisdictionSubject{Country: qi.Country, Region: qi.Region, City: qi.City, PostalCode: qi.PostalCode}, now)
		if qi.Country == "" && qi.Region == "" && qi.City == "" && qi.PostalCode == "" {
			// A bare name: no address to judge, names only.
			j = compliance.JurisdictionResult{Decision: models.DecisionClear, Version: j.Version}
		}
		v := compliance.Combine(j, r, compliance.Remembered{}, 0)
		o.Decision = string(v.Decision)
		if v.Reason != "" && v.Jurisdiction.Decision != models.DecisionClear {
			o.Reasons = append(o.Reasons, v.Reason)
		}
		for j, m := range r.Matches {
			if j == 5 {
				break
			}
			o.Matches = append(o.Matches, screenMatch{ID: m.ID, Source: m.Source, Name: m.Name, Score: m.Score, Programs: m.Programs})
		}
		out[i] = o
	}
	if *asJSON {
		enc := json.NewEncoder(a.stdout)
		for _, o := range out {
			if err := enc.Encode(o); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "QUERY\tDECISION\tSCORE\tBEST MATCH")
	for _, o := range out {
		best := "-"
		if len(o.Matches) > 0 {
			m := o.Matches[0]
			best = fmt.Sprintf("%s %d %s (%.2f) [%s]", m.Source, m.ID, m.Name, m.Score, strings.Join(m.Programs, ", "))
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%s\n", o.Query, o.Decision, o.Score, best)
	}
	return tw.Flush()
}

// readQueries reads NAME[<TAB>COUNTRY[<TAB>REGION[<TAB>CITY[<TAB>POSTAL CODE]]]] lines.
func readQueries(name string, stdin io.Reader) ([]compliance.Query, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("screen --input: %w", err)
		}
		defer f.Close()
		r = f
	}
	var qs []compliance.Query
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(t) == "" {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) > 5 {
			return nil, &models.FieldError{File: name, Line: line, Reason: fmt.Sprintf("%d tab-separated fields: want at most NAME, COUNTRY, REGION, CITY, POSTAL CODE", len(f))}
		}
		f = append(f, make([]string, 5-len(f))...)
		c := strings.ToUpper(strings.TrimSpace(f[1]))
		if c != "" && (len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z') {
			return nil, &models.FieldError{File: name, Line: line, Field: "country", Reason: fmt.Sprintf("%q is not an ISO 3166-1 alpha-2 code", c)}
		}
		qs = append(qs, compliance.Query{Name: strings.TrimSpace(f[0]), Country: c, Region: strings.TrimSpace(f[2]),
			City: strings.TrimSpace(f[3]), PostalCode: strings.TrimSpace(f[4])})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("screen --input %s: %w", name, err)
	}
	return qs, nil
}

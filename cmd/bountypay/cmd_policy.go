package main

import (
	"context"
	"fmt"
	"time"

	"github.com/plex/bountypay/policy"
)

func policyShow(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	version := fs.String("version", "", "show this policy `version` (default: the one in effect now)")
	at := fs.String("at", "", "show the version in effect at this RFC 3339 `time`")
	raw := fs.Bool("yaml", false, "print the rules file itself")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	set, err := policy.Default()
	if err != nil {
		return err
	}
	var p *policy.Policy
	switch {
	case *version != "":
		p, err = set.Version(*version)
	case *at != "":
		t, perr := time.Parse(time.RFC3339, *at)
		if perr != nil {
			return fmt.Errorf("--at %q: want RFC 3339: %w", *at, perr)
		}
		p, err = set.At(t)
	default:
		p, err = set.At(time.Now())
	}
	if err != nil {
		return err
	}
	if *raw {
		_, err := a.stdout.Write(p.YAML())
		return err
	}
	if err := p.Render(a.stdout); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "\nversions:")
	for _, q := range set.Policies() {
		fmt.Fprintf(a.stdout, "  %-24s effective %s  sha256 %.12s\n", q.Version, q.EffectiveFrom.Format("2006-01-02"), q.Hash())
	}
	return nil
}

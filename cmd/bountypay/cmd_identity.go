package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/store"
)

// authorized opens the store and checks that by is a configured identity
// allowed to do act. On the command line this is a check of names, not
// authentication: whoever can reach the database is an administrator
// (see the README, Roles); the web is where authentication holds.
func (a *app) authorized(ctx context.Context, by string, act models.Action) (*store.Store, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(by) == "" {
		return nil, &exitError{2, fmt.Errorf("--by is required to %s: %w", act, models.ErrInvalid)}
	}
	if _, err := st.Authorize(ctx, by, act); err != nil {
		return nil, err
	}
	return st, nil
}

// cmdIdentity is identity add, list and disable.
func cmdIdentity(ctx context.Context, a *app, args []string) error {
	sub := a.cmd.name
	fs := a.flags()
	by := a.byFlag(fs, "`name` of the administrator; the very first identity, an admin, needs none")
	roles := fs.String("role", "", "add: comma-separated `roles`: importer, compliance, finance, finance-admin, viewer, admin")
	service := fs.Bool("service", false, "add: a service (an integration), never counted as a person for four eyes")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	st, err := a.store(ctx)
	if err != nil {
		return err
	}
	switch sub {
	case "add":
		if fs.NArg() != 1 {
			return &exitError{2, errors.New("identity add needs one NAME")}
		}
		id := models.Identity{Name: fs.Arg(0), Kind: models.KindPerson}
		if *service {
			id.Kind = models.KindService
		}
		for _, r := range strings.Split(*roles, ",") {
			if strings.TrimSpace(r) == "" {
				continue
			}
			role, err := models.ParseRole(r)
			if err != nil {
				return &exitError{2, fmt.Errorf("--role: %w", err)}
			}
			id.Roles = append(id.Roles, role)
		}
		if err := st.PutIdentity(ctx, id, *by); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "identity %s (%s): %s\n", id.Name, id.Kind, *roles)
		return nil
	case "disable":
		if fs.NArg() != 1 {
			return &exitError{2, errors.New("identity disable needs one NAME")}
		}
		if err := st.DisableIdentity(ctx, fs.Arg(0), *by); err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "identity %s disabled\n", fs.Arg(0))
		return nil
	case "list":
		ids, err := st.Identities(ctx)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			fmt.Fprintln(a.stdout, "no identities configured: bountypay identity add NAME --role admin")
			return nil
		}
		tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKIND\tROLES")
		for _, id := range ids {
			rs := make([]string, len(id.Roles))
			for i, r := range id.Roles {
				rs[i] = string(r)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", id.Name, id.Kind, strings.Join(rs, ","))
		}
		return tw.Flush()
	}
	return &exitError{2, fmt.Errorf("identity: unknown subcommand %q", sub)}
}

package main

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
)

// configCheck prints every setting with its value and where it came from
// (flag, env or default), secrets masked, and fails naming every malformed
// setting. It takes every setting with a flag as --NAME.
func configCheck(ctx context.Context, a *app, args []string) error {
	fs := a.flags()
	if err := a.parseArgs(fs, args); err != nil {
		return err
	}
	errs := a.cfg.resolve(inAll)
	bad := map[string]*settingError{}
	for _, e := range errs {
		bad[e.setting.name] = e
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SETTING\tENVIRONMENT\tFROM\tVALUE")
	for _, s := range a.cfg.settings() {
		o := a.cfg.origin(s)
		value := display(s, o.text)
		if e := bad[s.name]; e != nil {
			value += "  MALFORMED: " + e.err.Error()
		}
		name := s.name
		if !s.envOnly {
			name = "--" + name
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, cmp.Or(s.env, "-"), o.from, value)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(errs) == 0 {
		return nil
	}
	names := make([]string, len(errs))
	for i, e := range errs {
		names[i] = e.setting.name
		fmt.Fprintln(a.stderr, "bountypay config check:", e)
	}
	return &exitError{2, fmt.Errorf("config check: %d malformed setting(s): %s", len(errs), strings.Join(names, ", "))}
}

// display is how config check shows a setting's text: secrets masked,
// "(unset)" for nothing.
func display(s setting, text string) string {
	switch {
	case text == "":
		return "(unset)"
	case s.secret && s.show != nil:
		return s.show(text)
	case s.secret:
		return "(set, not shown)"
	case s.parse.isBool:
		// Show what a boolean means: BOUNTYPAY_KILL_SWITCH=1 is true.
		if b, err := strconv.ParseBool(strings.TrimSpace(text)); err == nil && strconv.FormatBool(b) != text {
			return fmt.Sprintf("%t (%q)", b, text)
		}
	}
	return text
}

package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runArgs runs the program like main does, with env as the environment,
// and without the identities cli configures (nothing here needs a
// database).
func runArgs(env map[string]string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err = run(context.Background(), append([]string{"bountypay"}, args...), getenv, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), err
}

// walk calls fn for every command and subcommand of cs with its path.
func walk(cs []command, path []string, fn func(path []string, c *command)) {
	for i := range cs {
		p := append(path[:len(path):len(path)], cs[i].name)
		fn(p, &cs[i])
		walk(cs[i].subs, p, fn)
	}
}

// noData fails when something created the data directory: help and usage
// errors must not touch the database.
func noData(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the data directory was created (%v): help or a usage error did work", err)
	}
}

// TestCommandTree walks every command and subcommand: --help, -h and
// help print its usage on stdout and exit 0, as does "bountypay help
// PATH"; an unknown flag exits 2 with a one-line reason, before or after a
// positional argument; a group without its subcommand exits 2.
func TestCommandTree(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"BOUNTYPAY_DATA": data}
	n := 0
	walk(commands(), nil, func(path []string, c *command) {
		n++
		name := strings.Join(path, " ")
		t.Run(name, func(t *testing.T) {
			helps := [][]string{
				append(path[:len(path):len(path)], "--help"),
				append(path[:len(path):len(path)], "-h"),
				append(path[:len(path):len(path)], "help"),
				append([]string{"help"}, path...),
			}
			if c.run != nil {
				// Flags after a positional argument are flags.
				helps = append(helps, append(path[:len(path):len(path)], "x", "--help"))
			}
			for _, args := range helps {
				out, errOut, err := runArgs(env, args...)
				if err != nil || exitCode(err) != 0 {
					t.Errorf("bountypay %s: %v (exit %d)", strings.Join(args, " "), err, exitCode(err))
				}
				if !strings.HasPrefix(out, "usage: bountypay "+name+" ") || !strings.Contains(out, c.summary) {
					t.Errorf("bountypay %s: stdout lacks the usage:\n%s", strings.Join(args, " "), out)
				}
				if errOut != "" {
					t.Errorf("bountypay %s: stderr %q", strings.Join(args, " "), errOut)
				}
			}
			bad := [][]string{append(path[:len(path):len(path)], "--no-such-flag")}
			if c.run != nil {
				bad = append(bad, append(path[:len(path):len(path)], "x", "--no-such-flag"))
				if !strings.Contains(out(runArgs(env, append(path[:len(path):len(path)], "--help")...)), "-log-level") {
					t.Errorf("%s --help does not list the common flags", name)
				}
			} else {
				bad = append(bad, path, append(path[:len(path):len(path)], "no-such-subcommand"))
			}
			for _, args := range bad {
				o, errOut, err := runArgs(env, args...)
				if exitCode(err) != 2 || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), name) {
					t.Errorf("bountypay %s: want exit 2 with one line naming %q, got exit %d: %v", strings.Join(args, " "), name, exitCode(err), err)
				}
				if o != "" || errOut != "" {
					t.Errorf("bountypay %s printed %q / %q; main prints the one-line reason", strings.Join(args, " "), o, errOut)
				}
			}
		})
	})
	if n < 50 {
		t.Errorf("walked %d commands: the tree lost some", n)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		if out, _, err := runArgs(env, args...); err != nil || !strings.HasPrefix(out, "bountypay: ") || !strings.Contains(out, "config") {
			t.Errorf("bountypay %s: %v\n%s", args[0], err, out)
		}
	}
	for _, args := range [][]string{nil, {"nope"}, {"--nope"}, {"help", "nope"}} {
		if _, _, err := runArgs(env, args...); exitCode(err) != 2 {
			t.Errorf("bountypay %v: want exit 2, got %v", args, err)
		}
	}
	noData(t, data)
}

func out(stdout, _ string, _ error) string { return stdout }

// TestNoArgumentsWhereNoneAreTaken: a stray argument is a usage error, not
// ignored.
func TestNoArgumentsWhereNoneAreTaken(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	for _, args := range [][]string{{"run", "now"}, {"status", "all"}, {"ledger", "verify", "x.jsonl"}, {"config", "check", "x"}} {
		_, _, err := runArgs(map[string]string{"BOUNTYPAY_DATA": data}, args...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), "takes no arguments") {
			t.Errorf("bountypay %s: want a usage error, got %v", strings.Join(args, " "), err)
		}
	}
	noData(t, data)
}

// TestFlagsAfterArguments: flags may follow the positional arguments of
// any command (sanctions load refused them), and "--" ends the flags.
func TestFlagsAfterArguments(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"BOUNTYPAY_DATA": t.TempDir()}}
	if out := c.must("sanctions", "load", "demodata", "--force", "--by", "ops"); !strings.Contains(out, "is current") {
		t.Fatalf("sanctions load DIR --force --by: %s", out)
	}
	first := c.must("screen", "--lists", "demodata", "--json", "--country", "IR", "Jane Doe")
	last := c.must("screen", "Jane Doe", "--lists", "demodata", "--json", "--country", "IR")
	if first != last || !strings.Contains(first, `"blocked"`) {
		t.Fatalf("screen with flags first and last differ:\n%s\n%s", first, last)
	}
	if out := c.must("screen", "--lists", "demodata", "--json", "--", "--json"); !strings.Contains(out, `"query":"--json"`) {
		t.Fatalf("after --, --json is a name: %s", out)
	}
}

package main

import (
	"slices"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	tests := []struct {
		args      []string
		code      int
		stdout    string // substring; "" for none expected
		stderr    string
		oneLineEr bool // stderr is one error line (plus the hint)
	}{
		{args: nil, code: exitUsage, stderr: "Usage:"},
		{args: []string{"--help"}, code: exitOK, stdout: "prevayler copy    [--archives] [--force] SRC DST"},
		{args: []string{"help"}, code: exitOK, stdout: "Exit status"},
		{args: []string{"frobnicate"}, code: exitUsage, stderr: `unknown command "frobnicate"`},
		{args: []string{"inspect", "--help"}, code: exitOK, stdout: "Usage: prevayler inspect"},
		{args: []string{"verify", "-h"}, code: exitOK, stdout: "Usage: prevayler verify"},
		{args: []string{"copy", "--help"}, code: exitOK, stdout: "Usage: prevayler copy"},
		{args: []string{"prune", "x", "--help"}, code: exitOK, stdout: "Usage: prevayler prune"},
		{args: []string{"inspect"}, code: exitUsage, stderr: "prevayler inspect: want one URL, got 0 argument(s)"},
		{args: []string{"copy", "a"}, code: exitUsage, stderr: "want SRC and DST, got 1"},
		{args: []string{"copy", "a", "a"}, code: exitUsage, stderr: "SRC and DST are the same"},
		{args: []string{"verify", "--colour", "x"}, code: exitUsage, stderr: "flag provided but not defined: -colour"},
		{args: []string{"prune", "x"}, code: exitUsage, stderr: "--keep N is required"},
		{args: []string{"prune", "x", "--keep", "many"}, code: exitUsage, stderr: `invalid value "many" for flag -keep`},
		{args: []string{"inspect", "--key-file", "a", "--key-env", "B", "x"}, code: exitUsage, stderr: "not both"},
		{args: []string{"inspect", "nope://x/y"}, code: exitFail, stderr: `unknown scheme "nope"`},
		{args: []string{"inspect", "s3://b/j?colour=red"}, code: exitFail, stderr: `unknown parameter "colour"`},
	}
	for _, tt := range tests {
		r := runCmd(t, tt.args...)
		if r.code != tt.code {
			t.Errorf("%q: exit %d, want %d", tt.args, r.code, tt.code)
		}
		if tt.stdout != "" && !strings.Contains(r.stdout, tt.stdout) {
			t.Errorf("%q: stdout lacks %q:\n%s", tt.args, tt.stdout, r.stdout)
		}
		if tt.stderr != "" && !strings.Contains(r.stderr, tt.stderr) {
			t.Errorf("%q: stderr lacks %q:\n%s", tt.args, tt.stderr, r.stderr)
		}
		if tt.code == exitOK && r.stderr != "" {
			t.Errorf("%q: succeeded with stderr %q", tt.args, r.stderr)
		}
		if tt.code != exitOK && len(tt.args) > 1 {
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) > 2 || (len(lines) == 2 && !strings.HasPrefix(lines[1], "Run 'prevayler")) {
				t.Errorf("%q: error is not one line:\n%s", tt.args, r.stderr)
			}
		}
	}
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args []string
		keep int
		all  bool
		pos  []string
	}{
		{[]string{"u"}, 0, false, []string{"u"}},
		{[]string{"--keep", "3", "u"}, 3, false, []string{"u"}},
		{[]string{"u", "--keep", "3"}, 3, false, []string{"u"}},
		{[]string{"u", "-keep=3", "-all"}, 3, true, []string{"u"}},
		{[]string{"--all", "--", "-u"}, 0, true, []string{"-u"}},
		{[]string{"a", "--all", "b"}, 0, true, []string{"a", "b"}},
	}
	for _, tt := range tests {
		fs := newFlags("t")
		keep := fs.Int("keep", 0, "")
		all := fs.Bool("all", false, "")
		pos, err := parseArgs(fs, tt.args, len(tt.pos), "operands")
		if err != nil || *keep != tt.keep || *all != tt.all || !slices.Equal(pos, tt.pos) {
			t.Errorf("parseArgs(%q) = %q keep %d all %v, %v; want %q %d %v", tt.args, pos, *keep, *all, err, tt.pos, tt.keep, tt.all)
		}
	}
}

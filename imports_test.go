package prevayler_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The import rules of docs/ARCHITECTURE.md, checked on the module's
// packages as `go list` sees them (without their tests).

const mod = "github.com/prevayler-go/prevayler"

// pkgInfo is one package: what it imports itself, and everything it
// depends on.
type pkgInfo struct{ imports, deps []string }

// importRule forbids the packages matched by from (by import path) to
// depend on any package matched by banned: directly when direct is set,
// else through any chain of imports.
type importRule struct {
	name   string
	from   func(string) bool
	banned func(string) bool
	direct bool
}

func is(paths ...string) func(string) bool {
	return func(p string) bool { return slices.Contains(paths, p) }
}

func under(prefixes ...string) func(string) bool {
	return func(p string) bool {
		for _, pre := range prefixes {
			if p == pre || strings.HasPrefix(p, pre+"/") {
				return true
			}
		}
		return false
	}
}

func either(fs ...func(string) bool) func(string) bool {
	return func(p string) bool { return slices.ContainsFunc(fs, func(f func(string) bool) bool { return f(p) }) }
}

var (
	aws         = under("github.com/aws")
	backends    = is(mod+"/localstore", mod+"/s3store", mod+"/store/memstore")
	testHelpers = either(is(mod+"/internal/s3test", mod+"/internal/testutil", mod+"/store/storetest", mod+"/localstack"), under(mod+"/internal/reliability"))
	library     = either(is(mod, mod+"/store", mod+"/store/memstore", mod+"/localstore", mod+"/s3store", mod+"/uploader"), under(mod+"/internal/journal"))
)

var importRules = []importRule{
	{name: "the root links no S3 code", from: is(mod), banned: either(is(mod+"/s3store", mod+"/uploader"), aws)},
	{name: "store imports no backend", from: is(mod + "/store"), banned: either(backends, is(mod+"/uploader"), aws)},
	{name: "the uploader knows no S3", from: is(mod + "/uploader"), banned: either(is(mod+"/s3store"), aws)},
	{name: "localstore imports no other backend", from: is(mod + "/localstore"), banned: either(is(mod+"/s3store", mod+"/store/memstore"), aws)},
	{name: "s3store imports no other backend", from: is(mod + "/s3store"), banned: is(mod+"/localstore", mod+"/store/memstore")},
	{name: "memstore imports no other backend", from: is(mod + "/store/memstore"), banned: either(is(mod+"/localstore", mod+"/s3store"), aws)},
	{name: "the library imports no test helper", from: library, banned: testHelpers},
	{name: "examples use the exported API only", from: under(mod + "/examples"), banned: under(mod + "/internal"), direct: true},
	{name: "the command reads the format through internal/journal only", from: under(mod + "/cmd"), banned: func(p string) bool {
		return under(mod+"/internal")(p) && !under(mod+"/internal/journal")(p)
	}, direct: true},
}

// violations returns every broken rule, one line each.
func violations(pkgs map[string]pkgInfo, rules []importRule) []string {
	var out []string
	for _, r := range rules {
		for path, info := range pkgs {
			if !r.from(path) {
				continue
			}
			seen := info.deps
			if r.direct {
				seen = info.imports
			}
			for _, dep := range seen {
				if r.banned(dep) {
					out = append(out, r.name+": "+path+" imports "+dep)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func goCommand(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := exec.LookPath(p); err != nil {
		t.Skipf("skipping: no go command to list the packages (%v)", err)
	}
	return p
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command(goCommand(t), "list", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}|{{join .Deps \",\"}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]pkgInfo{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			t.Fatalf("go list printed %q", line)
		}
		pkgs[parts[0]] = pkgInfo{imports: strings.Split(parts[1], ","), deps: strings.Split(parts[2], ",")}
	}
	for _, p := range []string{mod, mod + "/store", mod + "/uploader", mod + "/s3store", mod + "/localstore", mod + "/cmd/prevayler", mod + "/examples/bank"} {
		if _, ok := pkgs[p]; !ok {
			t.Fatalf("go list did not list %s: the rules would check nothing", p)
		}
	}
	for _, v := range violations(pkgs, importRules) {
		t.Error(v)
	}
}

// TestImportRulesCatchViolations feeds the rules made-up packages that
// break them, so that TestImportRules is known to be able to fail.
func TestImportRulesCatchViolations(t *testing.T) {
	tests := []struct {
		name string
		pkgs map[string]pkgInfo
		want int
	}{
		{"clean", map[string]pkgInfo{mod: {deps: []string{mod + "/store", mod + "/localstore"}}}, 0},
		{"root reaches AWS through a chain", map[string]pkgInfo{mod: {imports: []string{mod + "/store"}, deps: []string{mod + "/store", "github.com/aws/aws-sdk-go-v2/service/s3"}}}, 1},
		{"uploader imports s3store", map[string]pkgInfo{mod + "/uploader": {deps: []string{mod + "/s3store"}}}, 1},
		{"store imports a backend", map[string]pkgInfo{mod + "/store": {deps: []string{mod + "/store/memstore"}}}, 1},
		{"a backend imports a test helper", map[string]pkgInfo{mod + "/localstore": {deps: []string{mod + "/internal/reliability/crashfs"}}}, 1},
		{"an example imports an internal package", map[string]pkgInfo{mod + "/examples/bank": {imports: []string{mod + "/internal/journal"}}}, 1},
		{"the command imports journal (allowed) and s3test", map[string]pkgInfo{mod + "/cmd/prevayler": {imports: []string{mod + "/internal/journal", mod + "/internal/s3test"}}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := violations(tt.pkgs, importRules); len(got) != tt.want {
				t.Errorf("got %d violations %v, want %d", len(got), got, tt.want)
			}
		})
	}
}

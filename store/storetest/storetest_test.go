package storetest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
	"github.com/prevayler-go/prevayler/store/storetest"
)

// mutantEnv names the mutant a child process runs the suite on; "none"
// runs it on the memory store as is.
const mutantEnv = "STORETEST_MUTANT"

func memHarness(takeover bool, wrap func(store.Store) store.Store) storetest.Harness {
	return storetest.Harness{
		Takeover: takeover,
		New: func(t *testing.T) func() store.Store {
			first := memstore.NewWithOptions(memstore.Options{Takeover: takeover})
			opened := false
			return func() store.Store {
				s := first
				if opened {
					s = first.Reopen()
				}
				opened = true
				if wrap != nil {
					return wrap(s)
				}
				return s
			}
		},
	}
}

func TestRunOnMemstore(t *testing.T) {
	storetest.Run(t, memHarness(false, nil))
}

func TestRunOnMemstoreTakeover(t *testing.T) {
	storetest.Run(t, memHarness(true, nil))
}

// TestMutantChild is the suite run by a child process of
// TestSuiteCatchesMutants, on the mutant its environment names.
func TestMutantChild(t *testing.T) {
	name := os.Getenv(mutantEnv)
	if name == "" {
		t.Skip("runs only as a child process of TestSuiteCatchesMutants (" + mutantEnv + " unset)")
	}
	for _, m := range mutants {
		if m.name == strings.TrimPrefix(name, "none:") {
			wrap := m.wrap
			if strings.HasPrefix(name, "none:") {
				wrap = nil
			}
			storetest.Run(t, memHarness(m.takeover, wrap))
			return
		}
	}
	t.Fatalf("unknown mutant %q", name)
}

// TestSuiteCatchesMutants checks that the suite can fail: for each
// broken store, the subtest of the promise it breaks fails (in a child
// process, since a failing subtest would fail this test too), while the
// same subtest passes on the unbroken store.
func TestSuiteCatchesMutants(t *testing.T) {
	if os.Getenv(mutantEnv) != "" {
		t.Skip("already a child process")
	}
	for _, m := range mutants {
		t.Run(m.name, func(t *testing.T) {
			var run strings.Builder
			run.WriteString("^TestMutantChild$")
			for _, part := range strings.Split(m.subtest, "/") {
				run.WriteString("/^" + part + "$")
			}
			want := "--- FAIL: TestMutantChild/" + m.subtest + " "
			for _, control := range []bool{true, false} {
				env := m.name
				if control {
					env = "none:" + m.name
				}
				cmd := exec.Command(os.Args[0], "-test.run="+run.String(), "-test.v", "-test.short")
				cmd.Env = append(os.Environ(), mutantEnv+"="+env)
				if os.Getenv("GORACE") == "" {
					// The race detector otherwise lingers a second at exit.
					cmd.Env = append(cmd.Env, "GORACE=atexit_sleep_ms=0")
				}
				out, err := cmd.CombinedOutput()
				ran := strings.Contains(string(out), "--- PASS: TestMutantChild/"+m.subtest+" ") ||
					strings.Contains(string(out), want)
				switch {
				case !ran:
					t.Fatalf("subtest %s did not run (control %v):\n%s", m.subtest, control, out)
				case control && err != nil:
					t.Fatalf("subtest %s fails on the unbroken store: %v\n%s", m.subtest, err, out)
				case !control && (err == nil || !strings.Contains(string(out), want)):
					t.Fatalf("subtest %s did not catch mutant %s (exit %v):\n%s", m.subtest, m.name, err, out)
				}
			}
		})
	}
}

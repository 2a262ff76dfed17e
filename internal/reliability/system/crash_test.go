package system_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability"
	"github.com/prevayler-go/prevayler/internal/reliability/crashfs"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

var harnessFull = flag.Bool("harness-full", false, "run the reliability harness (TestHarness*) with larger workloads")

// hWorkSize is the workload of the crash and fault enumerations: small by
// default, so that `go test -race ./...` stays quick; every call of it is
// still a crash point.
func hWorkSize() hSize {
	if *harnessFull {
		return hSize{writers: 4, before: 5, during: 5, after: 3}
	}
	return hSize{writers: 3, before: 2, during: 2, after: 1}
}

const hPath = "/data/journal"

// hSeed writes three events of writer 0 to st and closes it cleanly, so
// that the workload's Open has a journal to recover and rotate.
func hSeed(t *testing.T, st store.Store) []hEvent {
	t.Helper()
	p, err := prevayler.Open(context.Background(), hReplay, prevayler.Options[hLog]{Store: st})
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	seed := []hEvent{{0, 1}, {0, 2}, {0, 3}}
	for _, e := range seed {
		if _, err := p.Handle(context.Background(), e); err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return seed
}

func hSeedFS(t *testing.T) (*crashfs.FS, []hEvent) {
	t.Helper()
	fs := crashfs.New()
	return fs, hSeed(t, hLocal(fs))
}
func hLocal(fs *crashfs.FS) store.Store {
	return localstore.NewWithOptions(hPath, localstore.Options{FS: fs, Preallocate: hPreallocate})
}

// hPreallocate is the journal's reserve step on crashfs: small, so that
// the workload's journals extend their reserve many times, and every
// crash leaves a zero tail (crashfs's files preallocate as localstore's
// do on Linux, where it is on by default).
const hPreallocate = 256

// hTally adds up one enumeration for its figure line and its failures.
type hTally struct {
	reliability.Figure
	msgs []string
}

func (tl *hTally) wrongf(format string, args ...any) {
	tl.Wrong++
	tl.msgs = append(tl.msgs, fmt.Sprintf(format, args...))
}

// judge adds one recovery's outcome.
func (tl *hTally) judge(where string, run *hRun, got []hEvent, err error, processCrash bool) {
	must, lost, wrong := run.hJudge(got, err, processCrash)
	tl.Acked += int64(must)
	tl.Lost += int64(lost)
	if wrong != "" {
		tl.wrongf("%s: %s", where, wrong)
	}
}

// problems adds what went wrong while the workload ran.
func (tl *hTally) problems(where string, run *hRun) {
	for _, p := range run.problems {
		tl.wrongf("%s: %s", where, p)
	}
}

// report logs the figure line and fails the test on any loss or wrong
// outcome, showing the first few.
func (tl *hTally) report(t *testing.T) {
	t.Helper()
	t.Log(tl.Line())
	for i, m := range tl.msgs {
		if i == 10 {
			t.Errorf("... and %d more", len(tl.msgs)-10)
			break
		}
		t.Error(m)
	}
	if tl.Lost > 0 {
		t.Errorf("%d acknowledged events lost", tl.Lost)
	}
}

var hModes = []prevayler.Durability{prevayler.Durable, prevayler.Buffered}

// TestHarnessCrashFS stops the workload (on localstore over crashfs) at
// every file system call in turn, then applies each crash model of
// crashfs to that moment and recovers: acknowledged events must all be
// there (Buffered: those synced, unless only the process crashed), and
// the state must be the replay of a prefix of the events applied.
func TestHarnessCrashFS(t *testing.T) {
	for _, d := range hModes {
		t.Run(d.String(), func(t *testing.T) {
			tl := hEnumerateCrashes(t, d, nil, hWorkSize())
			if tl.Count < 40 {
				t.Errorf("the workload made only %d file system calls", tl.Count)
			}
			tl.report(t)
		})
	}
}

// hEnumerateCrashes runs the crash enumeration of TestHarnessCrashFS;
// wrap, if not nil, puts a layer between localstore and crashfs.
func hEnumerateCrashes(t *testing.T, d prevayler.Durability, wrap func(*crashfs.FS) localstore.FS, size hSize) hTally {
	t.Helper()
	local := func(fs *crashfs.FS) store.Store {
		if wrap == nil {
			return hLocal(fs)
		}
		return localstore.NewWithOptions(hPath, localstore.Options{FS: wrap(fs), Preallocate: hPreallocate})
	}
	seedFS := crashfs.New()
	seed := hSeed(t, local(seedFS))
	tl := hTally{Figure: reliability.Figure{Name: "crash points, localstore on crashfs, " + d.String(), Unit: "crash points"}}
	crashes := 0
	for k := 1; ; k++ {
		fs := seedFS.Clone()
		fs.SetHook(crashfs.CrashAt(k))
		run := hWorkload(func() store.Store { return local(fs) }, d, seed, size)
		if !fs.Reached(k) {
			break
		}
		tl.Count++
		tl.problems(fmt.Sprintf("before the crash at call %d", k), run)
		for _, m := range crashfs.Models() {
			c := fs.Clone()
			c.Crash(m.Options)
			got, err := hRecover(func() store.Store { return local(c) })
			tl.judge(fmt.Sprintf("%s at call %d", m.Name, k), run, got, err, m.Name == "process crash")
			crashes++
		}
	}
	tl.Note = fmt.Sprintf("%d crashes simulated (%d models at each point)", crashes, len(crashfs.Models()))
	return tl
}

// hFaults are the I/O errors TestHarnessFaults injects, each at every
// call of its kind in turn.
var hFaults = []struct {
	name  string
	kind  crashfs.Kind
	fault crashfs.Fault
}{
	{"EIO on write", crashfs.Write, crashfs.Fault{Err: syscall.EIO}},
	{"ENOSPC on write, 30 bytes written", crashfs.Write, crashfs.Fault{Err: syscall.ENOSPC, Keep: 30}},
	{"EIO on fsync", crashfs.Sync, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on directory fsync", crashfs.SyncDir, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on rename", crashfs.Rename, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on remove", crashfs.Remove, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on open or create", crashfs.OpenFile, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on read", crashfs.Read, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on directory listing", crashfs.ReadDir, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on lock", crashfs.Lock, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on mkdir", crashfs.MkdirAll, crashfs.Fault{Err: syscall.EIO}},
	{"EIO on close", crashfs.Close, crashfs.Fault{Err: syscall.EIO}},
}

// TestHarnessFaults fails one file system call (the process lives on) at
// every call of each kind in turn. The failure must reach a caller or the
// log; an instance whose journal failed must refuse new events; then both
// a plain reopen and a power loss followed by a reopen must recover every
// acknowledged event that had to survive, and nothing else but
// unacknowledged events, in order.
func TestHarnessFaults(t *testing.T) {
	for _, d := range hModes {
		t.Run(d.String(), func(t *testing.T) {
			seedFS, seed := hSeedFS(t)
			tl := hTally{Figure: reliability.Figure{Name: "I/O faults injected, localstore on crashfs, " + d.String(), Unit: "faults"}}
			for _, f := range hFaults {
				for n := 1; ; n++ {
					fs := seedFS.Clone()
					fs.SetHook(crashfs.FailNth(f.kind, n, f.fault))
					run := hWorkload(func() store.Store { return hLocal(fs) }, d, seed, hWorkSize())
					if fs.Count(f.kind) < n {
						break
					}
					fs.SetHook(nil)
					tl.Count++
					where := fmt.Sprintf("%s, call %d", f.name, n)
					tl.problems(where, run)
					if f.kind != crashfs.Close && !hHeard(run, f.fault.Err) {
						tl.wrongf("%s: no caller and no log line was told of the failure", where)
					}
					got, err := hRecover(func() store.Store { return hLocal(fs) })
					tl.judge(where+", reopened", run, got, err, true)
					c := fs.Clone()
					c.Crash(crashfs.CrashOptions{})
					got, err = hRecover(func() store.Store { return hLocal(c) })
					tl.judge(where+", power loss", run, got, err, false)
				}
			}
			tl.report(t)
		})
	}
}

// hHeard reports whether an error or a log line of the run carries errno.
func hHeard(run *hRun, errno error) bool {
	run.mu.Lock()
	defer run.mu.Unlock()
	for _, err := range run.errs {
		if errors.Is(err, errno) {
			return true
		}
	}
	return strings.Contains(run.logBuf.String(), errno.Error())
}

// TestHarnessCrashDuringRecovery crashes the workload at every call, then
// crashes the recovery that follows at every one of its calls, and
// recovers again: a start-up interrupted by a second power loss must lose
// nothing either. Durable mode, power loss both times; with
// -harness-full, both modes and a process crash first too.
func TestHarnessCrashDuringRecovery(t *testing.T) {
	modes, models := hModes[:1], []crashfs.Model{crashfs.Models()[1]}
	if *harnessFull {
		modes, models = hModes, crashfs.Models()[:2]
	}
	power := crashfs.CrashOptions{}
	for _, d := range modes {
		t.Run(d.String(), func(t *testing.T) {
			seedFS, seed := hSeedFS(t)
			tl := hTally{Figure: reliability.Figure{Name: "second crashes during the recovery from a crash, localstore on crashfs, " + d.String(), Unit: "double crashes"}}
			for k := 1; ; k++ {
				fs := seedFS.Clone()
				fs.SetHook(crashfs.CrashAt(k))
				// The default workload: the larger one would make this
				// enumeration quadratic in a large number.
				run := hWorkload(func() store.Store { return hLocal(fs) }, d, seed, hSize{writers: 3, before: 2, during: 2, after: 1})
				if !fs.Reached(k) {
					break
				}
				for _, m := range models {
					first := fs.Clone()
					first.Crash(m.Options)
					for j := 1; ; j++ {
						c := first.Clone()
						c.SetHook(crashfs.CrashAt(j))
						hRecover(func() store.Store { return hLocal(c) })
						if !c.Reached(j) {
							break
						}
						c.SetHook(nil)
						c.Crash(power)
						got, err := hRecover(func() store.Store { return hLocal(c) })
						tl.Count++
						// The second crash is a power loss: what the first
						// kept but nobody synced may go.
						tl.judge(fmt.Sprintf("%s at call %d, power loss at call %d of the recovery", m.Name, k, j), run, got, err, false)
					}
				}
			}
			tl.report(t)
		})
	}
}

package suite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/bench/radixbank"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
)

// ChildEnv carries a ReplayRequest, as JSON, to a child process. A program
// that runs the suite calls ServeChild first thing in main (and TestMain).
const ChildEnv = "PREVAYLER_BENCH_REPLAY"

// ServeChild does nothing and returns false unless this process is a
// replay or memory child; then it replays (or opens and snapshots), prints
// the ReplayMeasure (or Memory) as JSON on stdout, and exits.
func ServeChild() bool {
	if serveMemoryChild() {
		return true
	}
	raw := os.Getenv(ChildEnv)
	if raw == "" {
		return false
	}
	var req ReplayRequest
	err := json.Unmarshal([]byte(raw), &req)
	var m ReplayMeasure
	if err == nil {
		m, err = ReplayHere(context.Background(), req)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "replay child:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(m)
	os.Exit(0)
	return true
}

// ReplayInChild runs ReplayHere in a new process of this program, so that
// the peak memory measured is the replay's alone.
func ReplayInChild(req ReplayRequest) (ReplayMeasure, error) {
	exe, err := os.Executable()
	if err != nil {
		return ReplayMeasure{}, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return ReplayMeasure{}, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), ChildEnv+"="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return ReplayMeasure{}, fmt.Errorf("replay child: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var m ReplayMeasure
	if err := json.Unmarshal(out, &m); err != nil {
		return ReplayMeasure{}, fmt.Errorf("replay child output %q: %w", out, err)
	}
	return m, nil
}

// ReplayHere opens a link to the journal in req.Dir, which replays it, and
// measures time and memory. The journal itself is left as it was.
func ReplayHere(ctx context.Context, req ReplayRequest) (ReplayMeasure, error) {
	dir, err := os.MkdirTemp(req.Dir, "open-")
	if err != nil {
		return ReplayMeasure{}, err
	}
	defer os.RemoveAll(dir)
	// Open renames the journal it recovers; a hard link keeps the original.
	if err := os.Link(filepath.Join(req.Dir, "journal"), filepath.Join(dir, "journal")); err != nil {
		return ReplayMeasure{}, err
	}
	if req.CPUProfile != "" {
		f, err := os.Create(req.CPUProfile)
		if err != nil {
			return ReplayMeasure{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return ReplayMeasure{}, err
		}
		defer pprof.StopCPUProfile()
	}
	switch req.State {
	case StateModel:
		return replayOn(ctx, dir, req.Events, model.Handle, func(b model.Bank) int64 { return b.Transfers })
	case StateRadix:
		return replayOn(ctx, dir, req.Events, radixbank.Handle, func(b radixbank.Bank) int64 { return b.Transfers })
	case StateCounter:
		return replayOn(ctx, dir, req.Events, CountTransfer, func(c Counter) int64 { return c.Transfers })
	}
	return ReplayMeasure{}, fmt.Errorf("suite: unknown state %q", req.State)
}

func replayOn[S any](ctx context.Context, dir string, events int, h prevayler.Handler[S, model.Transfer, model.Receipt], count func(S) int64) (ReplayMeasure, error) {
	var m ReplayMeasure
	runtime.GC()
	m.BaseRSS = procStatus("VmRSS")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.PeakHeap = samplePeakHeap(stop)
	}()
	start := time.Now()
	p, err := prevayler.Open(ctx, h, prevayler.Options[S]{Store: localstore.New(filepath.Join(dir, "journal"))})
	m.Elapsed = time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil {
		return m, err
	}
	defer p.Close()
	if got := count(p.State()); got != int64(events) {
		return m, fmt.Errorf("replayed %d transfers, the journal holds %d", got, events)
	}
	m.EventsPerSec = float64(events) / m.Elapsed.Seconds()
	m.PeakRSS = procStatus("VmHWM")
	runtime.GC()
	m.StateHeap = heapObjects()
	return m, p.Close()
}

const heapMetric = "/memory/classes/heap/objects:bytes"

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: heapMetric}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// samplePeakHeap returns the largest heap (live objects and garbage not
// yet swept) seen until stop is closed.
func samplePeakHeap(stop <-chan struct{}) uint64 {
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	peak := heapObjects()
	for {
		select {
		case <-stop:
			return max(peak, heapObjects())
		case <-t.C:
			peak = max(peak, heapObjects())
		}
	}
}

// procStatus reads a memory line of /proc/self/status, in bytes; 0 where
// there is no such file.
func procStatus(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
)

// The memory workload: Open and Snapshot of a large state, each measured
// in a fresh process for what it allocates and its peak RSS, against the
// state's size. The same values are also read and written as one gob
// value (what a snapshot cost before it was chunked) and as raw
// little-endian words (the floor: the state and nothing else).

// Ways the large state is stored and read back.
const (
	MemorySlice   = "slice"     // the library: a plain struct holding a []int64, nothing implemented
	MemoryModel   = "model"     // the library: examples/bank/model, chunked by its own methods
	MemoryGob     = "gob value" // one gob value of the slice state in a file, no library
	MemoryRaw     = "raw"       // the values as raw words in a file, no library
	memoryJournal = "journal"
	memoryFile    = "state"
)

// MemoryMethods lists them in the order of the report.
var MemoryMethods = []string{MemorySlice, MemoryModel, MemoryGob, MemoryRaw}

// SliceState is the plain state of the memory workload.
type SliceState struct{ V []int64 }

func noEvent(s SliceState, _ model.Transfer, _ time.Time) (SliceState, model.Receipt, error) {
	return s, model.Receipt{}, nil
}

// memoryValues are the values of the state: distinct, as the accounts of
// a bank are, and of the size typical counters have.
func memoryValues(n int) []int64 {
	v := make([]int64, n)
	for i := range v {
		v[i] = int64(i)
	}
	return v
}

// runMemory writes each method's files once and has a child measure them.
func (r *runner) runMemory(ctx context.Context) {
	n := r.o.MemoryValues
	for _, method := range MemoryMethods {
		name := "memory/" + method
		if !r.o.selected(name) {
			continue
		}
		m, err := r.memoryOne(ctx, method, n)
		if err != nil {
			r.fail(name, err)
			continue
		}
		r.res.Memory = append(r.res.Memory, m)
		r.log.Info("memory", "method", method, "open_alloc_x", fmt.Sprintf("%.2f", m.OpenAllocRatio()),
			"open_rss_x", fmt.Sprintf("%.2f", m.OpenRSSRatio()), "snapshot_alloc_x", fmt.Sprintf("%.2f", m.SnapAllocRatio()),
			"snapshot_rss_x", fmt.Sprintf("%.2f", m.SnapRSSRatio()))
		if ctx.Err() != nil {
			return
		}
	}
}

func (r *runner) memoryOne(ctx context.Context, method string, n int) (Memory, error) {
	dir, err := os.MkdirTemp(r.o.Dir, "memory-")
	if err != nil {
		return Memory{}, err
	}
	defer os.RemoveAll(dir)
	if err := writeMemoryState(ctx, dir, method, n); err != nil {
		return Memory{}, fmt.Errorf("write the state: %w", err)
	}
	m, err := MemoryInChild(MemoryRequest{Dir: dir, Method: method, Values: n})
	if err != nil {
		return Memory{}, err
	}
	m.Method, m.Values, m.StateBytes = method, n, int64(n)*8
	return m, nil
}

// writeMemoryState writes what the child reads: a journal, or a file.
func writeMemoryState(ctx context.Context, dir, method string, n int) error {
	switch method {
	case MemorySlice:
		return writeJournal(ctx, dir, noEvent, SliceState{V: memoryValues(n)})
	case MemoryModel:
		return writeJournal(ctx, dir, model.Handle, model.New(n, DefaultInitial))
	case MemoryGob:
		return writeFile(filepath.Join(dir, memoryFile), func(f *os.File) error { return encodeGob(f, &SliceState{V: memoryValues(n)}) })
	case MemoryRaw:
		return writeFile(filepath.Join(dir, memoryFile), func(f *os.File) error { return writeRaw(f, memoryValues(n)) })
	}
	return fmt.Errorf("suite: unknown memory method %q", method)
}

func writeJournal[S any](ctx context.Context, dir string, h prevayler.Handler[S, model.Transfer, model.Receipt], s S) error {
	p, err := prevayler.Open(ctx, h, prevayler.Options[S]{Store: localstore.New(filepath.Join(dir, memoryJournal)), InitialState: s})
	if err != nil {
		return err
	}
	return p.Close()
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

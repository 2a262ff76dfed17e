package suite

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/examples/bank/model"
	"github.com/prevayler-go/prevayler/localstore"
)

// MemoryChildEnv carries a MemoryRequest, as JSON, to a child process
// (see ServeChild).
const MemoryChildEnv = "PREVAYLER_BENCH_MEMORY"

// MemoryInChild runs MemoryHere in a new process of this program, so that
// its peak RSS is the workload's own.
func MemoryInChild(req MemoryRequest) (Memory, error) {
	exe, err := os.Executable()
	if err != nil {
		return Memory{}, err
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return Memory{}, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), MemoryChildEnv+"="+string(raw))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return Memory{}, fmt.Errorf("memory child: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var m Memory
	if err := json.Unmarshal(out, &m); err != nil {
		return Memory{}, fmt.Errorf("memory child output %q: %w", out, err)
	}
	return m, nil
}

// serveMemoryChild runs the request in the environment, if any, prints
// the Memory as JSON and exits.
func serveMemoryChild() bool {
	raw := os.Getenv(MemoryChildEnv)
	if raw == "" {
		return false
	}
	var req MemoryRequest
	err := json.Unmarshal([]byte(raw), &req)
	var m Memory
	if err == nil {
		m, err = MemoryHere(context.Background(), req)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "memory child:", err)
		os.Exit(1)
	}
	json.NewEncoder(os.Stdout).Encode(m)
	os.Exit(0)
	return true
}

// MemoryHere measures the opening of the state in req.Dir (for the
// library, Open: replay and the new journal), then a snapshot of it (for
// the library, Snapshot; else writing the state back the same way).
func MemoryHere(ctx context.Context, req MemoryRequest) (Memory, error) {
	var m Memory
	runtime.GC()
	m.BaseRSS = procStatus("VmRSS")
	switch req.Method {
	case MemorySlice:
		return measureLibrary(ctx, req, m, noEvent, func(s SliceState) int { return len(s.V) })
	case MemoryModel:
		return measureLibrary(ctx, req, m, model.Handle, model.Bank.Accounts)
	case MemoryGob:
		var s SliceState
		return measureFile(req, m, func(r io.Reader) (int, error) {
			err := gob.NewDecoder(r).Decode(&s)
			return len(s.V), err
		}, func(w io.Writer) error { return encodeGob(w, &s) })
	case MemoryRaw:
		var v []int64
		return measureFile(req, m, func(r io.Reader) (int, error) {
			var err error
			v, err = readRaw(r, req.Values)
			return len(v), err
		}, func(w io.Writer) error { return writeRaw(w, v) })
	}
	return m, fmt.Errorf("suite: unknown memory method %q", req.Method)
}

func measureLibrary[S any](ctx context.Context, req MemoryRequest, m Memory, h prevayler.Handler[S, model.Transfer, model.Receipt], size func(S) int) (Memory, error) {
	// Open renames the journal it recovers; a hard link keeps the original.
	dir, err := os.MkdirTemp(req.Dir, "open-")
	if err != nil {
		return m, err
	}
	defer os.RemoveAll(dir)
	if err := os.Link(filepath.Join(req.Dir, memoryJournal), filepath.Join(dir, memoryJournal)); err != nil {
		return m, err
	}
	var p *prevayler.Prevayler[S, model.Transfer, model.Receipt]
	m.OpenAlloc, m.OpenPeakRSS, m.OpenElapsed, err = measure(func() error {
		var err error
		p, err = prevayler.Open(ctx, h, prevayler.Options[S]{Store: localstore.New(filepath.Join(dir, memoryJournal))})
		return err
	})
	if err != nil {
		return m, err
	}
	defer p.Close()
	if got := size(p.State()); got != req.Values {
		return m, fmt.Errorf("opened %d values, wrote %d", got, req.Values)
	}
	m.StateHeap = liveHeap()
	m.SnapAlloc, m.SnapPeakRSS, m.SnapElapsed, err = measure(func() error { return p.Snapshot(ctx) })
	if err != nil {
		return m, err
	}
	return m, p.Close()
}

func measureFile(req MemoryRequest, m Memory, read func(io.Reader) (int, error), write func(io.Writer) error) (Memory, error) {
	path := filepath.Join(req.Dir, memoryFile)
	var err error
	m.OpenAlloc, m.OpenPeakRSS, m.OpenElapsed, err = measure(func() error {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		n, err := read(bufio.NewReaderSize(f, 1<<20))
		if err == nil && n != req.Values {
			err = fmt.Errorf("read %d values, wrote %d", n, req.Values)
		}
		return err
	})
	if err != nil {
		return m, err
	}
	m.StateHeap = liveHeap()
	m.SnapAlloc, m.SnapPeakRSS, m.SnapElapsed, err = measure(func() error {
		return writeFile(path+".new", func(f *os.File) error {
			bw := bufio.NewWriterSize(f, 1<<20)
			if err := write(bw); err != nil {
				return err
			}
			return bw.Flush()
		})
	})
	return m, err
}

// measure runs f and returns the bytes it allocated, the peak RSS while it
// ran and its time. The peak is reset first where the kernel allows it,
// else it is the process's peak so far.
func measure(f func() error) (alloc uint64, peak int64, elapsed time.Duration, err error) {
	runtime.GC()
	resetPeakRSS()
	a0 := allocated()
	start := time.Now()
	err = f()
	elapsed = time.Since(start)
	return allocated() - a0, procStatus("VmHWM"), elapsed, err
}

// resetPeakRSS sets VmHWM to the current RSS (Linux: clear_refs 5).
func resetPeakRSS() {
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func liveHeap() uint64 {
	runtime.GC()
	return heapObjects()
}

func encodeGob(w io.Writer, s *SliceState) error { return gob.NewEncoder(w).Encode(s) }

// writeRaw and readRaw move the values as little-endian words, a block at
// a time.
func writeRaw(w io.Writer, v []int64) error {
	buf := make([]byte, 0, 1<<20)
	for len(v) > 0 {
		k := min(len(v), cap(buf)/8)
		buf = buf[:0]
		for _, x := range v[:k] {
			buf = binary.LittleEndian.AppendUint64(buf, uint64(x))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		v = v[k:]
	}
	return nil
}

func readRaw(r io.Reader, n int) ([]int64, error) {
	v := make([]int64, n)
	buf := make([]byte, 1<<20)
	for i := 0; i < n; {
		k := min(n-i, len(buf)/8)
		if _, err := io.ReadFull(r, buf[:k*8]); err != nil {
			return nil, err
		}
		for j := range k {
			v[i+j] = int64(binary.LittleEndian.Uint64(buf[j*8:]))
		}
		i += k
	}
	if _, err := r.Read(buf[:1]); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("bytes after %d values", n)
	}
	return v, nil
}

package faultstore_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/internal/reliability/faultstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
	"github.com/prevayler-go/prevayler/store/storetest"
)

// A wrapper that injects nothing must keep the whole contract.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) func() store.Store {
			var mem *memstore.Store
			return func() store.Store {
				if mem == nil {
					mem = memstore.New()
					return faultstore.New(mem, nil)
				}
				return faultstore.New(mem.Reopen(), func(faultstore.Op) error { return nil })
			}
		},
	})
}

// workload does one of each operation and stops at the first error.
func workload(ctx context.Context, s store.Store) error {
	if err := s.Lock(ctx); err != nil {
		return err
	}
	w, err := s.Create(ctx, ".tmp-1")
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte("snapshot")); err != nil {
		return err
	}
	if err := w.Sync(ctx); err != nil {
		return err
	}
	if err := s.Rename(ctx, ".tmp-1", store.Journal); err != nil {
		return err
	}
	if _, err := w.Write([]byte("+event")); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	if _, err := s.List(ctx); err != nil {
		return err
	}
	r, err := s.Open(ctx, store.Journal)
	if err != nil {
		return err
	}
	r.Close()
	if err := s.Remove(ctx, store.Journal); err != nil {
		return err
	}
	return s.Close()
}

var workloadOps = []string{
	`#1 Lock`,
	`#2 Create ".tmp-1"`,
	`#3 Write ".tmp-1"`,
	`#4 Sync ".tmp-1"`,
	`#5 Rename ".tmp-1" to ""`,
	`#6 Write ".tmp-1"`,
	`#7 WriterClose ".tmp-1"`,
	`#8 List`,
	`#9 Open ""`,
	`#10 Remove ""`,
	`#11 Close`,
}

func TestRecorderSeesEveryOp(t *testing.T) {
	var rec faultstore.Recorder
	fs := faultstore.New(memstore.New(), rec.Hook)
	if err := workload(t.Context(), fs); err != nil {
		t.Fatalf("workload: %v", err)
	}
	var got []string
	for _, op := range rec.Ops() {
		got = append(got, op.String())
	}
	if strings.Join(got, "\n") != strings.Join(workloadOps, "\n") {
		t.Fatalf("ops:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(workloadOps, "\n"))
	}
	if rec.Len() != len(workloadOps) || fs.Count() != len(workloadOps) {
		t.Fatalf("Len = %d, Count = %d, want %d", rec.Len(), fs.Count(), len(workloadOps))
	}
}

// TestFailAtEveryOp injects a fault at each operation in turn and checks
// that it fails, wrapped, and is not performed.
func TestFailAtEveryOp(t *testing.T) {
	for n := 1; n <= len(workloadOps); n++ {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			mem := memstore.New()
			fs := faultstore.New(mem, faultstore.FailAt(n, faultstore.ErrInjected))
			err := workload(t.Context(), fs)
			if !errors.Is(err, faultstore.ErrInjected) || !strings.Contains(err.Error(), workloadOps[n-1]) {
				t.Fatalf("workload error = %v, want ErrInjected at %s", err, workloadOps[n-1])
			}
			if fs.Count() != n {
				t.Fatalf("Count = %d after failing op %d", fs.Count(), n)
			}
			// The failed op left no trace: the files are what op n-1 left.
			want := map[int]string{
				1: "", 2: "", // no lock, or no file
				3: ".tmp-1=", 4: ".tmp-1=snapshot", 5: ".tmp-1=snapshot",
				6: "=snapshot", 7: "=snapshot+event", 8: "=snapshot+event",
				9: "=snapshot+event", 10: "=snapshot+event", 11: "",
			}[n]
			var got []string
			for name, data := range mem.Files() {
				got = append(got, name+"="+string(data))
			}
			if strings.Join(got, ",") != want {
				t.Fatalf("files after failing op %d: %q, want %q", n, got, want)
			}
			// A failed Lock leaves the store unlocked; a failed Close
			// leaves it locked.
			lockErr := mem.Reopen().Lock(t.Context())
			if locked := errors.Is(lockErr, store.ErrLocked); locked != (n != 1) {
				t.Fatalf("after failing op %d: Lock on another handle = %v", n, lockErr)
			}
		})
	}
}

func TestPartialWrite(t *testing.T) {
	mem := memstore.New()
	fs := faultstore.New(mem, faultstore.FailKind(faultstore.Write, 2, fmt.Errorf("disk full: %w", faultstore.ErrPartial)))
	ctx := t.Context()
	if err := fs.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := fs.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("first;")); err != nil {
		t.Fatalf("first Write: %v", err)
	}
	n, err := w.Write([]byte("0123456789"))
	if n != 0 || !errors.Is(err, faultstore.ErrPartial) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("torn Write = %d, %v", n, err)
	}
	if got := string(mem.Files()[store.Journal]); got != "first;01234" {
		t.Fatalf("after a torn write the file holds %q, want half the record", got)
	}
	// The wrapper does not break the writer: a caller that goes on writing
	// buries the torn record, which is what tests must be able to see.
	if _, err := w.Write([]byte("next")); err != nil {
		t.Fatalf("Write after a torn one: %v", err)
	}
	if got := string(mem.Files()[store.Journal]); got != "first;01234next" {
		t.Fatalf("file holds %q", got)
	}
}

func TestHooks(t *testing.T) {
	ops := func(kinds ...faultstore.OpKind) []faultstore.Op {
		var o []faultstore.Op
		for i, k := range kinds {
			o = append(o, faultstore.Op{Kind: k, N: i + 1})
		}
		return o
	}
	seq := ops(faultstore.Lock, faultstore.Sync, faultstore.Write, faultstore.Sync, faultstore.Sync, faultstore.Close)
	tests := []struct {
		name string
		hook func(faultstore.Op) error
		want string // x where the hook fails, . where it passes
	}{
		{"FailAt", faultstore.FailAt(3, faultstore.ErrInjected), "..x..."},
		{"FailFrom", faultstore.FailFrom(4, faultstore.ErrInjected), "...xxx"},
		{"FailKind", faultstore.FailKind(faultstore.Sync, 2, faultstore.ErrInjected), "...x.."},
		{"FailAtNever", faultstore.FailAt(0, faultstore.ErrInjected), "......"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got strings.Builder
			for _, op := range seq {
				if err := tt.hook(op); err != nil {
					if !errors.Is(err, faultstore.ErrInjected) {
						t.Fatalf("hook returned %v", err)
					}
					got.WriteByte('x')
				} else {
					got.WriteByte('.')
				}
			}
			if got.String() != tt.want {
				t.Fatalf("failures %s, want %s", got.String(), tt.want)
			}
		})
	}
}

func TestOpKindString(t *testing.T) {
	want := "Lock List Open Create Write Sync Rename Remove Close WriterClose OpKind(0) OpKind(11)"
	var got []string
	for k := faultstore.Lock; k <= faultstore.WriterClose; k++ {
		got = append(got, k.String())
	}
	got = append(got, faultstore.OpKind(0).String(), faultstore.OpKind(11).String())
	if strings.Join(got, " ") != want {
		t.Fatalf("names %q", got)
	}
}

// throttleStore hands out writers that implement store.Throttle.
type throttleStore struct{ store.Store }

type throttleWriter struct {
	store.Writer
	waits *int
}

func (w throttleWriter) Wait(ctx context.Context) error { *w.waits++; return ctx.Err() }

func (s throttleStore) Create(ctx context.Context, name string) (store.Writer, error) {
	w, err := s.Store.Create(ctx, name)
	return throttleWriter{w, new(int)}, err
}

func TestThrottlePassesThrough(t *testing.T) {
	for _, throttled := range []bool{false, true} {
		var base store.Store = memstore.New()
		if throttled {
			base = throttleStore{base}
		}
		fs := faultstore.New(base, nil)
		if err := fs.Lock(t.Context()); err != nil {
			t.Fatal(err)
		}
		w, err := fs.Create(t.Context(), store.Journal)
		if err != nil {
			t.Fatal(err)
		}
		th, ok := w.(store.Throttle)
		if ok != throttled {
			t.Fatalf("wrapped writer implements Throttle: %v, want %v", ok, throttled)
		}
		if ok {
			if err := th.Wait(t.Context()); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			if err := th.Wait(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("Wait with a canceled context = %v", err)
			}
		}
		if _, err := io.WriteString(w, "x"); err != nil {
			t.Fatal(err)
		}
		w.Close()
		fs.Close()
	}
}

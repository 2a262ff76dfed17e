package prevayler_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/testutil"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// hiddenTotal keeps everything in an unexported field: gob and JSON would
// store none of it.
type hiddenTotal struct{ total int }

// partlyHidden is stored but for its unexported cache.
type partlyHidden struct {
	Total int
	cache map[string]int
}

func openWith[S any](t *testing.T, st *memstore.Store, opts prevayler.Options[S]) (*prevayler.Prevayler[S, int, int], error) {
	t.Helper()
	h := func(s S, e int, _ time.Time) (S, int, error) { return s, e, nil }
	opts.Store = st
	return prevayler.Open(context.Background(), h, opts)
}

func TestStateWithNoExportedFieldsFailsOpen(t *testing.T) {
	for _, codec := range []prevayler.Codec{prevayler.Gob, prevayler.JSON} {
		t.Run(codec.Name(), func(t *testing.T) {
			st := memstore.New()
			p, err := openWith(t, st, prevayler.Options[hiddenTotal]{Codec: codec, InitialState: hiddenTotal{5}})
			if err == nil {
				p.Close()
				t.Fatal("Open accepted a state the codec stores nothing of")
			}
			if !strings.Contains(err.Error(), "no exported fields") || !strings.Contains(err.Error(), "hiddenTotal") {
				t.Fatalf("Open: %v, want an error naming the type and its missing exported fields", err)
			}
			if files := st.Files(); len(files) != 0 {
				t.Fatalf("files written before the check: %v", files)
			}
		})
	}
}

func TestOpenWarnsOfFieldsTheCodecLeavesOut(t *testing.T) {
	type nested struct {
		Parts []partlyHidden
		When  time.Time // encodes itself: nothing to warn of
	}
	for _, codec := range []prevayler.Codec{prevayler.Gob, prevayler.JSON} {
		t.Run(codec.Name(), func(t *testing.T) {
			var logs testutil.SyncBuffer
			p, err := openWith(t, memstore.New(), prevayler.Options[nested]{
				Codec: codec, Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			p.Close()
			out := logs.String()
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, "prevayler_test.partlyHidden.cache") {
				t.Fatalf("no warning naming the field left out:\n%s", out)
			}
			if strings.Contains(out, "time.Time") {
				t.Fatalf("warned of time.Time, which encodes itself:\n%s", out)
			}
		})
	}
}

func TestCheckStateFailsOpenOnWhatTheCodecLeavesOut(t *testing.T) {
	initial := partlyHidden{Total: 1, cache: map[string]int{"a": 1}}
	st := memstore.New()
	p, err := openWith(t, st, prevayler.Options[partlyHidden]{InitialState: initial, CheckState: true})
	if err == nil {
		p.Close()
		t.Fatal("Open with CheckState accepted a state that loses its cache")
	}
	if !errors.Is(err, prevayler.ErrUnencodable) || !strings.Contains(err.Error(), "state.cache") {
		t.Fatalf("Open: %v, want ErrUnencodable naming state.cache", err)
	}
	if files := st.Files(); len(files) != 0 {
		t.Fatalf("files written before the check: %v", files)
	}
	// Without the option the loss goes unnoticed, as gob does.
	p, err = openWith(t, st.Reopen(), prevayler.Options[partlyHidden]{InitialState: initial})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
}

// The check also covers the recovered state, before anything is renamed.
func TestCheckStateCoversTheRecoveredState(t *testing.T) {
	h := func(s partlyHidden, e int, _ time.Time) (partlyHidden, int, error) {
		c := map[string]int{"last": e}
		return partlyHidden{Total: s.Total + e, cache: c}, s.Total + e, nil
	}
	st := memstore.New()
	p, err := prevayler.Open(context.Background(), h, prevayler.Options[partlyHidden]{Store: st, CheckState: true})
	if err != nil {
		t.Fatalf("Open of the empty state: %v", err)
	}
	if _, err := p.Handle(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	p.Close()
	before := st.Files()
	st = st.Reopen()
	p, err = prevayler.Open(context.Background(), h, prevayler.Options[partlyHidden]{Store: st, CheckState: true})
	if err == nil {
		p.Close()
		t.Fatal("Open with CheckState accepted a recovered state that loses its cache")
	}
	if !errors.Is(err, prevayler.ErrUnencodable) || !strings.Contains(err.Error(), "state.cache") {
		t.Fatalf("Open: %v", err)
	}
	if after := st.Files(); len(after) != len(before) {
		t.Fatalf("files changed by a failed check: %v, were %v", after, before)
	}
}

func TestCheckStatePassesAFaithfulState(t *testing.T) {
	for _, codec := range []prevayler.Codec{prevayler.Gob, prevayler.JSON} {
		t.Run(codec.Name(), func(t *testing.T) {
			open, _ := localStore(t)
			opts := prevayler.Options[ledger]{
				Codec: codec, CheckState: true,
				// empty, not nil: gob and JSON bring it back nil
				InitialState: ledger{Seen: []int64{}, LastAt: time.Now()},
			}
			p := mustOpen(t, open(), opts)
			mustHandle(t, p, 4)
			mustClose(t, p)
			p = mustOpen(t, open(), opts)
			mustClose(t, p)
		})
	}
}

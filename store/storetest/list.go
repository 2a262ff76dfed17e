package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

func testList(t *testing.T, h Harness) {
	t.Run("Empty", func(t *testing.T) {
		e := newEnv(t, h)
		if got := sizes(t, e.handle()); len(got) != 0 {
			t.Fatalf("List of a new journal before Lock = %v, want nothing", got)
		}
		if got := sizes(t, e.locked()); len(got) != 0 {
			t.Fatalf("List of a new journal after Lock = %v, want nothing", got)
		}
	})
	t.Run("NamesAndSizes", func(t *testing.T) {
		e := newEnv(t, h)
		s := e.locked()
		start := time.Now()
		want := map[string]int64{
			store.Journal:                      3,
			store.Backup:                       0,
			store.ArchiveName(time.Now()):      10,
			store.ArchiveName(time.Unix(1, 0)): 11,
			store.TempPrefix + "x":             7,
		}
		var writers []store.Writer
		for name, size := range want {
			w, err := s.Create(t.Context(), name)
			if err != nil {
				t.Fatalf("Create(%q): %v", name, err)
			}
			writers = append(writers, w)
			write(t, w, pattern(int(size), int(size)))
			syncWriter(t, w)
		}
		// The writers are still open: List must count synced bytes.
		for _, l := range []store.Store{s, e.handle()} {
			files, err := l.List(t.Context())
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			got := map[string]int64{}
			for _, f := range files {
				got[f.Name] = f.Size
				if hasZeroTail(l) && f.Size > 0 {
					got[f.Name] = int64(len(trimZeros(read(t, l, f.Name))))
				}
				if d := f.ModTime.Sub(start); d < -24*time.Hour || d > 24*time.Hour {
					t.Errorf("ModTime of %q = %v, not within a day of now", f.Name, f.ModTime)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("List = %v, want %v", got, want)
			}
		}
		for _, w := range writers {
			if err := w.Close(); err != nil {
				t.Fatalf("Close writer: %v", err)
			}
		}
	})
}

package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// testProtocol walks the start-up protocol of the package documentation
// as three successive processes would, and checks the files after each.
func testProtocol(t *testing.T, h Harness) {
	e := newEnv(t, h)
	ctx := t.Context()
	archive := func(gen int) string {
		return store.ArchiveName(time.Date(2000, 1, 1, 0, 0, gen, 0, time.UTC))
	}
	content := func(gen int) []byte {
		return []byte(strings.Repeat("snap", gen) + "+event")
	}

	// A crash during an earlier rewrite left a temporary file behind.
	p := e.locked()
	create(t, p, store.TempPrefix+"stray", []byte("half a snapsh"))
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	for gen := 1; gen <= 3; gen++ {
		s := e.locked()
		files := sizes(t, s)
		for name := range files {
			if strings.HasPrefix(name, store.TempPrefix) {
				if err := s.Remove(ctx, name); err != nil {
					t.Fatalf("run %d: Remove leftover %q: %v", gen, name, err)
				}
			}
		}
		_, hadJournal := files[store.Journal]
		if hadJournal {
			wantContent(t, s, store.Journal, content(gen-1))
		}
		tmp := store.TempPrefix + archive(gen)[len(store.ArchivePrefix):]
		w, err := s.Create(ctx, tmp)
		if err != nil {
			t.Fatalf("run %d: Create: %v", gen, err)
		}
		write(t, w, []byte(strings.Repeat("snap", gen)))
		syncWriter(t, w)
		if hadJournal {
			if err := s.Rename(ctx, store.Journal, store.Backup); err != nil {
				t.Fatalf("run %d: Rename journal to backup: %v", gen, err)
			}
		}
		if err := s.Rename(ctx, tmp, store.Journal); err != nil {
			t.Fatalf("run %d: Rename temporary to journal: %v", gen, err)
		}
		if hadJournal {
			if err := s.Rename(ctx, store.Backup, archive(gen)); err != nil {
				t.Fatalf("run %d: Rename backup to archive: %v", gen, err)
			}
		}
		write(t, w, []byte("+event"))
		if err := w.Close(); err != nil {
			t.Fatalf("run %d: Close writer: %v", gen, err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("run %d: Close: %v", gen, err)
		}

		r := e.handle()
		want := map[string]int64{store.Journal: int64(len(content(gen)))}
		for g := 2; g <= gen; g++ {
			want[archive(g)] = int64(len(content(g - 1)))
		}
		got := sizes(t, r)
		if strings.Join(names(got), ",") != strings.Join(names(want), ",") {
			t.Fatalf("run %d: files %q, want %q", gen, names(got), names(want))
		}
		wantContent(t, r, store.Journal, content(gen))
		for g := 2; g <= gen; g++ {
			wantContent(t, r, archive(g), content(g-1))
		}
	}
}

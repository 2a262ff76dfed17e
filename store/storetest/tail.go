package storetest

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/prevayler-go/prevayler/store"
)

// testTailer checks store.Tailer on a reader handle that never takes the
// lock, beside a writer handle: what a follower does.
func testTailer(t *testing.T, h Harness) {
	e := newEnv(t, h)
	w := e.locked()
	probe := e.handle()
	if _, ok := probe.(store.Tailer); !ok {
		t.Skipf("SKIPPED: %T does not implement store.Tailer (optional): no follower can use it", probe)
	}
	t.Run("Missing", func(t *testing.T) {
		tr := e.handle().(store.Tailer)
		_, err := tr.OpenAt(t.Context(), store.Journal, 0)
		wantErrorIs(t, "OpenAt of a missing journal", err, store.ErrNotExist)
	})
	t.Run("PollInterval", func(t *testing.T) {
		if d := e.handle().(store.Tailer).PollInterval(); d <= 0 {
			t.Fatalf("PollInterval() = %v, want a positive duration", d)
		}
	})
	t.Run("Grows", func(t *testing.T) {
		tr := e.handle().(store.Tailer)
		fw, err := w.Create(t.Context(), store.Journal)
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		defer fw.Close()
		var all []byte
		for i := range 5 {
			chunk := pattern(i, 100+i*37)
			write(t, fw, chunk)
			syncWriter(t, fw)
			at := int64(len(all))
			all = append(all, chunk...)
			// The same handle sees the new bytes at once, from the old
			// end, from the start and from the middle.
			wantTail(t, tr, store.Journal, at, all[at:])
			wantTail(t, tr, store.Journal, 0, all)
			wantTail(t, tr, store.Journal, at/2, all[at/2:])
			wantTail(t, tr, store.Journal, int64(len(all))+10, nil)
		}
		rc, err := tr.OpenAt(t.Context(), store.Journal, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if sk, ok := rc.(io.Seeker); ok {
			// A header, then the rest through the same stream.
			head := make([]byte, 16)
			if _, err := io.ReadFull(rc, head); err != nil || !bytes.Equal(head, all[:16]) {
				t.Fatalf("first 16 bytes: %q, %v", head, err)
			}
			if _, err := sk.Seek(200, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			rest, err := io.ReadAll(rc)
			if s, ok := tr.(store.Store); ok && hasZeroTail(s) && len(rest) > len(all)-200 {
				rest = append(rest[:len(all)-200:len(all)-200], trimZeros(rest[len(all)-200:])...)
			}
			if err != nil || !bytes.Equal(rest, all[200:]) {
				t.Fatalf("after a seek to byte 200: %d bytes, %v; want %d bytes", len(rest), err, len(all)-200)
			}
		}
	})
	t.Run("Rotation", func(t *testing.T) {
		tr := e.handle().(store.Tailer)
		old := read(t, w, store.Journal)
		wantTail(t, tr, store.Journal, 0, old)
		fresh := pattern(99, 300)
		create(t, w, store.TempPrefix+"next", fresh)
		if err := w.Rename(t.Context(), store.Journal, store.Backup); err != nil {
			t.Fatal(err)
		}
		if err := w.Rename(t.Context(), store.TempPrefix+"next", store.Journal); err != nil {
			t.Fatal(err)
		}
		// A follower reads the file it follows to its end at every check;
		// once its writer closed it, a store may take that check to learn
		// of the rotation, and must show the new journal at the next.
		var got []byte
		for range 3 {
			rc, err := tr.OpenAt(t.Context(), store.Journal, 0)
			if err != nil {
				t.Fatal(err)
			}
			got, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(got, fresh) {
				break
			}
		}
		if !bytes.Equal(got, fresh) {
			t.Fatalf("after a rotation the journal reads %d bytes %s, want the new one, %d bytes", len(got), excerpt(got), len(fresh))
		}
		wantTail(t, tr, store.Backup, 0, old)
		if err := w.Remove(t.Context(), store.Backup); err != nil {
			t.Fatal(err)
		}
		gone := false
		for range 3 {
			rc, err := tr.OpenAt(t.Context(), store.Backup, 0)
			if errors.Is(err, store.ErrNotExist) {
				gone = true
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, rc)
			rc.Close()
		}
		if !gone {
			_, err := e.handle().(store.Tailer).OpenAt(t.Context(), store.Backup, 0)
			t.Fatalf("a removed backup still opens (a new handle: %v)", err)
		}
	})
}

// wantTail checks what OpenAt(name, off) streams.
func wantTail(t *testing.T, tr store.Tailer, name string, off int64, want []byte) {
	t.Helper()
	rc, err := tr.OpenAt(t.Context(), name, off)
	if err != nil {
		t.Fatalf("OpenAt(%q, %d): %v", name, off, err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatalf("read OpenAt(%q, %d): %v", name, off, err)
	}
	if s, ok := tr.(store.Store); ok && hasZeroTail(s) && len(got) > len(want) {
		got = append(got[:len(want):len(want)], trimZeros(got[len(want):])...) // preallocated space
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("OpenAt(%q, %d): %d bytes %s, want %d bytes %s", name, off, len(got), excerpt(got), len(want), excerpt(want))
	}
}

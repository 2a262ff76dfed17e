package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

func TestCopyLocal(t *testing.T) {
	src, dst := journalPath(t), journalPath(t)
	writeJournal(t, src, 10, journalOptions{})
	want := writeJournal(t, src, 10, journalOptions{})
	r := runCmd(t, "copy", src, "file://"+dst)
	if r.code != exitOK || !strings.HasPrefix(r.stdout, "copied "+src+" (") {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	if len(archives(t, dst)) != 0 {
		t.Errorf("archives copied without --archives: %q", archives(t, dst))
	}
	if got := recoverJournal(t, dst, nil); got != want {
		t.Errorf("recovered %+v at the copy, want %+v", got, want)
	}
}

func TestCopyReplace(t *testing.T) {
	src, dst := journalPath(t), journalPath(t)
	want := writeJournal(t, src, 7, journalOptions{})
	old := writeJournal(t, dst, 3, journalOptions{})

	r := runCmd(t, "copy", src, dst)
	if r.code != exitFail || !strings.Contains(r.stderr, "already exists") || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("exit %d, stderr %q; want a refusal naming --force", r.code, r.stderr)
	}
	if got := recoverJournal(t, dst, nil); got != old {
		t.Fatalf("a refused copy changed the destination: %+v, want %+v", got, old)
	}
	before := len(archives(t, dst))
	if r := runCmd(t, "copy", "--force", src, dst); r.code != exitOK {
		t.Fatalf("--force: exit %d", r.code)
	}
	// The replaced journal is kept as an archive.
	if n := len(archives(t, dst)); n != before+1 {
		t.Errorf("%d archives after --force, want %d", n, before+1)
	}
	if got := recoverJournal(t, dst, nil); got != want {
		t.Errorf("recovered %+v, want %+v", got, want)
	}
}

func TestCopyArchives(t *testing.T) {
	src, dst := journalPath(t), journalPath(t)
	for range 3 {
		writeJournal(t, src, 2, journalOptions{})
	}
	r := runCmd(t, "copy", "--archives", src, dst)
	if r.code != exitOK || !strings.Contains(r.stdout, "copied 2 archives") {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	for _, a := range archives(t, src) {
		want, _ := os.ReadFile(a)
		got, err := os.ReadFile(dst + strings.TrimPrefix(a, src))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("archive %s differs at the destination (%v)", filepath.Base(a), err)
		}
	}
	r = runCmd(t, "copy", "--archives", "--force", src, dst)
	if r.code != exitOK || !strings.Contains(r.stdout, "2 already there") {
		t.Errorf("again: exit %d, stdout %q; want the archives skipped", r.code, r.stdout)
	}
}

func TestCopyFromPendingBackup(t *testing.T) {
	src, dst := journalPath(t), journalPath(t)
	want := writeJournal(t, src, 5, journalOptions{})
	if err := os.Rename(src, src+store.Backup); err != nil {
		t.Fatal(err)
	}
	if r := runCmd(t, "copy", src, dst); r.code != exitOK || !strings.Contains(r.stdout, src+".backup") {
		t.Fatalf("exit %d, stdout %q; want the backup copied", r.code, r.stdout)
	}
	if got := recoverJournal(t, dst, nil); got != want {
		t.Errorf("recovered %+v, want %+v", got, want)
	}
}

func TestCopyErrors(t *testing.T) {
	src, dst := journalPath(t), journalPath(t)
	if r := runCmd(t, "copy", src, dst); r.code != exitFail || !strings.Contains(r.stderr, "no journal at "+src) {
		t.Errorf("no source: exit %d, stderr %q", r.code, r.stderr)
	}
	writeJournal(t, src, 1, journalOptions{})
	ctx := context.Background()
	p, err := prevayler.Open(ctx, add, prevayler.Options[tally]{Store: localstore.New(dst)})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := runCmd(t, "copy", "--force", src, dst)
	if r.code != exitFail || !strings.Contains(r.stderr, "in use by a running application") {
		t.Errorf("locked destination: exit %d, stderr %q", r.code, r.stderr)
	}
}

// faultStore fails the n-th Rename or Remove, as if the process died just
// before it, and with cut, every read stops with an error halfway.
type faultStore struct {
	store.Store
	failAt, calls int
	cut           bool
}

var errInjected = errors.New("injected fault")

func (f *faultStore) step() error {
	f.calls++
	if f.calls == f.failAt {
		return errInjected
	}
	return nil
}

func (f *faultStore) Rename(ctx context.Context, from, to string) error {
	if err := f.step(); err != nil {
		return err
	}
	return f.Store.Rename(ctx, from, to)
}

func (f *faultStore) Remove(ctx context.Context, name string) error {
	if err := f.step(); err != nil {
		return err
	}
	return f.Store.Remove(ctx, name)
}

func (f *faultStore) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	rc, err := f.Store.Open(ctx, name)
	if err != nil || !f.cut {
		return rc, err
	}
	return struct {
		io.Reader
		io.Closer
	}{io.MultiReader(io.LimitReader(rc, 100), errReader{}), rc}, nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errInjected }

// TestCopyCrashSafe stops a copy at every step and checks that the
// destination then recovers either its old state or the copy, and holds
// no temporary file once it has been opened again.
func TestCopyCrashSafe(t *testing.T) {
	setups := []struct {
		name  string
		setup func(t *testing.T, dst string) // the destination's files
	}{
		{"journal", func(t *testing.T, dst string) {}},
		{"pending backup", func(t *testing.T, dst string) {
			if err := os.Rename(dst, dst+store.Backup); err != nil {
				t.Fatal(err)
			}
		}},
		{"backup and unfinished journal", func(t *testing.T, dst string) {
			b, err := os.ReadFile(dst)
			if err == nil {
				err = os.WriteFile(dst+store.Backup, b, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}},
	}
	src := journalPath(t)
	want := writeJournal(t, src, 9, journalOptions{})
	for _, s := range setups {
		for failAt := 0; failAt <= 4; failAt++ {
			for _, cut := range []bool{false, true} {
				if cut && failAt > 0 {
					continue
				}
				t.Run(fmt.Sprintf("%s/step%d/cut%v", s.name, failAt, cut), func(t *testing.T) {
					dst := journalPath(t)
					old := writeJournal(t, dst, 4, journalOptions{})
					s.setup(t, dst)
					fs := &faultStore{Store: localstore.New(dst), failAt: failAt}
					srcStore := &faultStore{Store: localstore.New(src), cut: cut}
					c := &cli{stdout: io.Discard, stderr: io.Discard}
					err := c.copyJournal(context.Background(), &location{url: src, s: srcStore, base: src},
						&location{url: dst, s: fs, base: dst}, false, true)
					fs.Close()
					failed := err != nil
					if failed != (cut || (failAt > 0 && failAt <= fs.calls)) {
						t.Fatalf("copy: %v, after %d steps failing at %d", err, fs.calls, failAt)
					}
					got := recoverJournal(t, dst, nil)
					switch {
					case !failed && got != want:
						t.Errorf("copy succeeded, recovered %+v, want %+v", got, want)
					case got != want && got != old:
						t.Errorf("recovered %+v, want the old %+v or the new %+v", got, old, want)
					}
					if tmp, _ := filepath.Glob(dst + store.TempPrefix + "*"); len(tmp) > 0 {
						t.Errorf("temporary files left after a start: %q", tmp)
					}
				})
			}
		}
	}
}

type opaque struct{ N int } // never given to gob.Register

type box struct{ Items []any }

func boxIt(s box, n int, _ time.Time) (box, int, error) {
	return box{Items: append(slices.Clip(s.Items), opaque{n})}, len(s.Items) + 1, nil
}

// A journal written while the state could not be encoded continues an
// archive: copying it alone would leave a journal that cannot open.
func TestCopyContinuationTakesItsArchives(t *testing.T) {
	src := journalPath(t)
	for range 2 { // the second start writes a continuation
		p, err := prevayler.Open(context.Background(), boxIt, prevayler.Options[box]{Store: localstore.New(src)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Handle(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	dst := journalPath(t)
	if r := runCmd(t, "copy", src, dst); r.code != exitOK || !strings.Contains(r.stdout, "copying the archives too") {
		t.Fatalf("copy: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	p, err := prevayler.Open(context.Background(), boxIt, prevayler.Options[box]{Store: localstore.New(dst)})
	if err != nil {
		t.Fatalf("Open of the copy: %v", err)
	}
	defer p.Close()
	if n := len(p.State().Items); n != 2 {
		t.Fatalf("the copy holds %d items, want 2", n)
	}
}

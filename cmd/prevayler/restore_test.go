package main

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
)

// rotations writes 15 events over three sessions, with a snapshot in the
// first: three archives and the journal, each starting from a snapshot
// (after events 0, 5, 8 and 12).
func rotations(h *timeline) {
	h.session(1, 2, 3, 4, 5, "snap", 6, 7, 8)
	h.session(9, 10, 11, 12)
	h.session(13, 14, 15)
}

// TestRestoreSeqAndTime restores a journal written across rotations and
// restarts, on a local and a memory store, at every kind of point: before
// any event, at the events just before and after every snapshot, inside a
// file, at the end; by sequence number and by time (an event's own time,
// between two events, before the first, after the last).
func TestRestoreSeqAndTime(t *testing.T) {
	stores := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"local", func(t *testing.T) string { return journalPath(t) }},
		{"memory", memURL},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			h := newTimeline(t, st.url(t), nil)
			rotations(h)
			check := func(t *testing.T, args []string, n int) {
				t.Helper()
				dst := st.url(t)
				if r := runCmd(t, append(append([]string{"restore"}, args...), h.url, dst)...); r.code != exitOK {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				got, seq := recoverLedger(t, dst, nil)
				if want := h.want(n); got.summary() != want.summary() || seq != uint64(n) {
					t.Errorf("recovered %s at seq %d, want %s at seq %d", got.summary(), seq, want.summary(), n)
				}
			}
			for _, n := range []int{0, 1, 4, 5, 6, 8, 9, 11, 12, 13, 15} {
				t.Run("seq"+strconv.Itoa(n), func(t *testing.T) {
					check(t, []string{"--seq", strconv.Itoa(n)}, n)
				})
			}
			for _, n := range []int{1, 5, 8, 10, 15} {
				at := h.times[n-1]
				t.Run("at"+strconv.Itoa(n), func(t *testing.T) {
					check(t, []string{"--at", at.Format(time.RFC3339Nano)}, n)
				})
				t.Run("after"+strconv.Itoa(n), func(t *testing.T) {
					check(t, []string{"--at", at.Add(500 * time.Millisecond).Format(time.RFC3339Nano)}, n)
				})
			}
			t.Run("beforeAll", func(t *testing.T) {
				check(t, []string{"--at", h.times[0].Add(-time.Hour).Format(time.RFC3339)}, 0)
			})
			t.Run("zone", func(t *testing.T) {
				check(t, []string{"--at", h.times[6].In(time.FixedZone("", 2*3600)).Format(time.RFC3339)}, 7)
			})
			t.Run("afterAll", func(t *testing.T) {
				check(t, []string{"--at", h.times[14].Add(time.Hour).Format(time.RFC3339)}, 15)
			})
			t.Run("pastTheEnd", func(t *testing.T) {
				dst := st.url(t)
				err := restoreErr(t, "--seq", "16", h.url, dst)
				if !errors.Is(err, errAfterEnd) || !strings.Contains(err.Error(), "ends at event 15") {
					t.Fatalf("restore --seq 16: %v, want errAfterEnd naming event 15", err)
				}
				if r := runCmd(t, "inspect", dst); !regexp.MustCompile(`(?m)^journal:\s+none`).MatchString(r.stdout) {
					t.Errorf("a failed restore left a journal:\n%s", r.stdout)
				}
			})
		})
	}
}

// TestRestoreResultIsAJournal checks the file written: a fresh file id,
// the snapshot's number and time in the header, no predecessor, a closed
// seal; and that the application goes on from it.
func TestRestoreResultIsAJournal(t *testing.T) {
	h := newTimeline(t, journalPath(t), nil)
	rotations(h)
	dst := journalPath(t)
	if r := runCmd(t, "restore", "--seq", "10", h.url, dst); r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r := runCmd(t, "verify", dst)
	if r.code != exitOK {
		t.Fatalf("verify: exit %d: %s", r.code, r.stdout)
	}
	l, err := openLocation(t.Context(), dst)
	if err != nil {
		t.Fatal(err)
	}
	defer l.s.Close()
	got, err := readHistHeader(t.Context(), l, store.FileInfo{Name: store.Journal}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src, err := openLocation(t.Context(), h.url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.s.Close()
	hist, err := loadHistory(t.Context(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := hist.chain[2].hdr // the snapshot after event 8
	if got.hdr.FileID == base.FileID || got.hdr.BaseSeq != 8 || !got.hdr.BaseTime.Equal(h.times[7]) ||
		got.hdr.PrevFileID != ([16]byte{}) || got.hdr.Continuation {
		t.Errorf("header %+v; want a new file id, base 8 at %v, no predecessor", got.hdr, h.times[7])
	}
	rep, err := (&cli{stdout: new(strings.Builder), stderr: new(strings.Builder)}).scanFile(t.Context(), l, store.Journal, 0, nil)
	if err != nil || !rep.closed || rep.lastSeq != 10 {
		t.Errorf("scan: closed %v, last seq %d, %v; want a closed seal after event 10", rep.closed, rep.lastSeq, err)
	}

	// The application goes on at the restored journal, numbering on.
	h2 := newTimeline(t, dst, nil)
	h2.events, h2.now = h.events[:10], h.times[9]
	h2.session(100, 101)
	if got, seq := recoverLedger(t, dst, nil); got.summary() != h2.want(12).summary() || seq != 12 {
		t.Errorf("after two more events: %s at seq %d, want %s at 12", got.summary(), seq, h2.want(12).summary())
	}
}

// TestRestoreContinuations restores through journals that continue their
// predecessor without a snapshot (the state could not be encoded while it
// held an odd value): the snapshot is then found in an older archive.
func TestRestoreContinuations(t *testing.T) {
	h := newTimeline(t, journalPath(t), nil)
	h.session(1, 2, -1, 3)  // ends unencodable
	h.session(4, 5)         // a continuation
	h.session(6, 0, 7)      // a continuation; the odd value dropped
	h.session(8, "snap", 9) // snapshots again
	h.session(10)           // a snapshot after event 9
	src, err := openLocation(t.Context(), h.url)
	if err != nil {
		t.Fatal(err)
	}
	defer src.s.Close()
	hist, err := loadHistory(t.Context(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []bool
	for _, f := range hist.chain {
		kinds = append(kinds, f.hdr.Continuation)
	}
	if want := []bool{false, true, true, false, false, false}; !slices.Equal(kinds, want) {
		t.Fatalf("continuation flags of the history %v, want %v", kinds, want)
	}
	for _, n := range []int{2, 3, 4, 5, 6, 7, 8, 9, 10} {
		dst := journalPath(t)
		if r := runCmd(t, "restore", "--seq", strconv.Itoa(n), h.url, dst); r.code != exitOK {
			t.Fatalf("seq %d: exit %d: %s", n, r.code, r.stderr)
		}
		if got, seq := recoverLedger(t, dst, nil); got.summary() != h.want(n).summary() || seq != uint64(n) {
			t.Errorf("seq %d: recovered %s at %d, want %s", n, got.summary(), seq, h.want(n).summary())
		}
	}
}

// TestRestorePruned removes the oldest archives: points they held fail
// with errPruned, later ones still work.
func TestRestorePruned(t *testing.T) {
	h := newTimeline(t, journalPath(t), nil)
	rotations(h)
	as := archives(t, h.url)
	if len(as) != 3 {
		t.Fatalf("%d archives, want 3", len(as))
	}
	for _, a := range as[:2] { // the snapshots after events 0 and 5
		if err := os.Remove(a); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"--seq", "7"}, {"--at", h.times[6].Format(time.RFC3339)}} {
		dst := journalPath(t)
		err := restoreErr(t, append(args, h.url, dst)...)
		if !errors.Is(err, errPruned) || !strings.Contains(err.Error(), "after event 8") {
			t.Errorf("restore %v with the archives pruned: %v, want errPruned naming the oldest snapshot left", args, err)
		}
		if _, err := os.Stat(filepath.Dir(dst)); err == nil {
			if m, _ := filepath.Glob(dst + "*"); len(m) != 0 {
				t.Errorf("a failed restore left files at the destination: %q", m)
			}
		}
	}
	dst := journalPath(t)
	if err := restoreErr(t, "--seq", "8", h.url, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := recoverLedger(t, dst, nil); got.summary() != h.want(8).summary() {
		t.Errorf("recovered %s, want %s", got.summary(), h.want(8).summary())
	}
}

// TestRestoreBeforeHistory: a journal that was itself restored begins its
// history at its snapshot; nothing before it can be restored.
func TestRestoreBeforeHistory(t *testing.T) {
	h := newTimeline(t, journalPath(t), nil)
	rotations(h)
	mid := journalPath(t)
	if err := restoreErr(t, "--seq", "10", h.url, mid); err != nil {
		t.Fatal(err)
	}
	err := restoreErr(t, "--seq", "7", mid, journalPath(t))
	if !errors.Is(err, errBeforeHistory) {
		t.Fatalf("restore before the oldest snapshot: %v, want errBeforeHistory", err)
	}
	if err := restoreErr(t, "--seq", "9", mid, journalPath(t)); err != nil {
		t.Errorf("restore within the restored journal: %v", err)
	}
}

// TestRestoreRefusesNonEmpty leaves a destination that holds anything of a
// journal as it was.
func TestRestoreRefusesNonEmpty(t *testing.T) {
	h := newTimeline(t, journalPath(t), nil)
	rotations(h)
	dst := journalPath(t)
	other := newTimeline(t, dst, nil)
	other.session(7)
	other.session(7) // the first session's journal is now an archive
	before, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	err = restoreErr(t, "--seq", "3", h.url, dst)
	if !errors.Is(err, errNotEmpty) {
		t.Fatalf("restore onto a journal: %v, want errNotEmpty", err)
	}
	if after, _ := os.ReadFile(dst); string(after) != string(before) {
		t.Error("a refused restore changed the destination's journal")
	}
	// An archive alone is enough to refuse.
	if err := os.Remove(dst); err != nil {
		t.Fatal(err)
	}
	if err := restoreErr(t, "--seq", "3", h.url, dst); !errors.Is(err, errNotEmpty) {
		t.Fatalf("restore onto archives: %v, want errNotEmpty", err)
	}
}

func TestRestoreUsage(t *testing.T) {
	src, dst := journalPath(t), journalPath(t)
	for _, args := range [][]string{
		{"restore", src, dst},
		{"restore", "--seq", "1", "--at", "2026-01-01T00:00:00Z", src, dst},
		{"restore", "--seq", "-1", src, dst},
		{"restore", "--at", "yesterday", src, dst},
		{"restore", "--seq", "1", src},
		{"restore", "--seq", "1", src, src},
	} {
		if r := runCmd(t, args...); r.code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, r.code, exitUsage)
		}
	}
	if r := runCmd(t, "restore", "--seq", "1", src, dst); r.code != exitFail || !strings.Contains(r.stderr, "no journal at") {
		t.Errorf("no journal: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := runCmd(t, "restore", "--help"); r.code != exitOK || !strings.Contains(r.stdout, "--at TIME") {
		t.Errorf("--help: exit %d", r.code)
	}
}

// TestRestoreEncrypted restores an encrypted journal with its key; the
// result is sealed with the same key.
func TestRestoreEncrypted(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	aead := testAEAD(t, key)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := newTimeline(t, journalPath(t), aead)
	rotations(h)
	dst := journalPath(t)
	if r := runCmd(t, "restore", "--seq", "6", h.url, dst); r.code != exitFail || !strings.Contains(r.stderr, "--key-file") {
		t.Errorf("without the key: exit %d, stderr %q; want advice on --key-file", r.code, r.stderr)
	}
	if r := runCmd(t, "restore", "--seq", "6", "--key-file", keyFile, h.url, dst); r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, seq := recoverLedger(t, dst, aead); got.summary() != h.want(6).summary() || seq != 6 {
		t.Errorf("recovered %s at %d, want %s at 6", got.summary(), seq, h.want(6).summary())
	}
}

// TestRestoreS3 restores from S3 (the test server) to a local file, and
// from there back to S3.
func TestRestoreS3(t *testing.T) {
	remote := s3URL(t)
	h := newTimeline(t, remote, nil)
	rotations(h)
	local := journalPath(t)
	if r := runCmd(t, "restore", "--at", h.times[10].Format(time.RFC3339), h.url, local); r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if got, seq := recoverLedger(t, local, nil); got.summary() != h.want(11).summary() || seq != 11 {
		t.Errorf("recovered %s at %d, want %s at 11", got.summary(), seq, h.want(11).summary())
	}
	if err := restoreErr(t, "--seq", "9", local, remote); !errors.Is(err, errNotEmpty) {
		t.Errorf("restore onto the S3 journal: %v, want errNotEmpty", err)
	}
	back := s3URL(t)
	// The local journal's history: the restored file, archived by the
	// application's start, then the journal that start wrote.
	if err := restoreErr(t, "--seq", "9", local, back); err != nil {
		t.Fatalf("local to S3: %v", err)
	}
	if got, seq := recoverLedger(t, back, nil); got.summary() != h.want(9).summary() || seq != 9 {
		t.Errorf("recovered %s at %d from S3, want %s at 9", got.summary(), seq, h.want(9).summary())
	}
}

// TestRestoreBesideTheWriter restores from a journal its writer has open:
// SRC is read without its lock.
func TestRestoreBesideTheWriter(t *testing.T) {
	src := journalPath(t)
	h := newTimeline(t, src, nil)
	h.session(1, 2, 3)
	s, err := store.Open(t.Context(), src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := prevayler.Open(t.Context(), book, prevayler.Options[ledger]{Store: s})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	for _, e := range []int{4, 5} {
		if _, err := p.Handle(t.Context(), e); err != nil {
			t.Fatal(err)
		}
		h.events = append(h.events, e)
	}
	dst := journalPath(t)
	if err := restoreErr(t, "--seq", "5", src, dst); err != nil {
		t.Fatal(err)
	}
	if got, seq := recoverLedger(t, dst, nil); got.summary() != h.want(5).summary() || seq != 5 {
		t.Errorf("recovered %s at %d, want %s at 5", got.summary(), seq, h.want(5).summary())
	}
}

package prevayler

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// headerInfo is a file of the journal and its header.
type headerInfo struct {
	name string
	hdr  journal.Header
	bad  bool // the header cannot be read: not a file a follower can use
}

// rotate follows the journal, whose header is jhdr, from the file f.ts is
// in: it finishes that file where it now lives (the backup or an
// archive), then reads each journal that succeeded it up to the live one.
// When the files between are gone, it reloads from the live journal's
// snapshot; when that one does not extend the follower's state, it stops
// with ErrDiverged.
func (f *Follower[S, E, R]) rotate(ctx context.Context, jhdr journal.Header, last bool) error {
	if err := f.checkCodec(jhdr, "journal"); err != nil {
		return err
	}
	if !f.ts.pos.Valid() {
		return f.reload(ctx, jhdr)
	}
	others, err := f.others(ctx)
	if err != nil {
		return err
	}
	if !f.ts.pos.Closed() {
		if h, ok := byID(others, f.ts.pos.FileID()); ok {
			if err := f.finish(ctx, h); err != nil {
				return err
			}
		}
	}
	files := append([]headerInfo{{name: store.Journal, hdr: jhdr}}, others...)
	for range len(files) {
		if f.ts.pos.FileID() == jhdr.FileID {
			return nil
		}
		next, ok := successor(files, f.ts.pos.FileID())
		if !ok || next.hdr.BaseSeq > f.ts.seq {
			if !last {
				// The header and the listing were read at different
				// moments; a rotation in between makes them disagree.
				return errMoved
			}
			// The events between are gone (pruned archives), or were
			// never written (a writer that restarted past them).
			return f.reload(ctx, jhdr)
		}
		if err := f.enter(ctx, next); err != nil {
			return err
		}
	}
	if !last {
		return errMoved
	}
	return f.reload(ctx, jhdr)
}

// errMoved means a file was renamed or replaced while the follower read
// the store: a new look at it sees it in its new place.
var errMoved = fmt.Errorf("prevayler: follow: a journal file moved during the check: %w", store.ErrNotExist)

func byID(files []headerInfo, id [16]byte) (headerInfo, bool) {
	for _, h := range files {
		if !h.bad && h.hdr.FileID == id {
			return h, true
		}
	}
	return headerInfo{}, false
}

// successor returns the file that continues the file id.
func successor(files []headerInfo, id [16]byte) (headerInfo, bool) {
	for _, h := range files {
		if !h.bad && h.hdr.PrevFileID == id && h.hdr.FileID != id {
			return h, true
		}
	}
	return headerInfo{}, false
}

// others returns the headers of the backup and the archives, newest
// first. Archives never change, so their headers are read once.
func (f *Follower[S, E, R]) others(ctx context.Context) ([]headerInfo, error) {
	listing, err := f.p.st.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("prevayler: follow: list journal files: %w", err)
	}
	files := store.Classify(listing)
	var out []headerInfo
	if files.Backup != nil {
		h, err := f.header(ctx, store.Backup)
		switch {
		case errors.Is(err, store.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			out = append(out, h)
		}
	}
	seen := map[string]bool{}
	for i := len(files.Archives) - 1; i >= 0; i-- {
		name := files.Archives[i].Name
		seen[name] = true
		h, ok := f.headers[name]
		if !ok {
			var err error
			h, err = f.header(ctx, name)
			switch {
			case errors.Is(err, store.ErrNotExist):
				continue
			case err != nil && !isStop(err):
				return nil, err
			}
			f.headers[name] = h
		}
		out = append(out, h)
	}
	for name := range f.headers {
		if !seen[name] {
			delete(f.headers, name) // pruned
		}
	}
	return out, nil
}

// header reads the header of file name. A header that cannot be read
// (damaged, another key) gives a headerInfo marked bad, not an error.
func (f *Follower[S, E, R]) header(ctx context.Context, name string) (headerInfo, error) {
	rc, err := f.tail.OpenAt(ctx, name, 0)
	if err != nil {
		return headerInfo{}, fmt.Errorf("prevayler: follow: %w", err)
	}
	defer rc.Close()
	hdr, _, err := journal.ReadHeader(rc, "journal"+name, f.p.aead)
	if err != nil {
		if isStop(err) {
			return headerInfo{name: name, bad: true}, nil
		}
		return headerInfo{}, fmt.Errorf("prevayler: follow: %w", err)
	}
	return headerInfo{name: name, hdr: hdr}, nil
}

// finish applies the rest of the file f.ts is in, now named h.name.
func (f *Follower[S, E, R]) finish(ctx context.Context, h headerInfo) error {
	rc, err := f.tail.OpenAt(ctx, h.name, 0)
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err) // renamed meanwhile: the next check finds it
	}
	defer rc.Close()
	hdr, n, err := journal.ReadHeader(rc, "journal"+h.name, f.p.aead)
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err)
	}
	if hdr.FileID != f.ts.pos.FileID() {
		return fmt.Errorf("prevayler: follow: journal%s was replaced while the follower read it: %w", h.name, errMoved)
	}
	return f.tailFile(ctx, h.name, rc, n)
}

// enter reads the journal h, which continues the file f.ts is in, from
// its start: its snapshot is skipped, its events that the follower has
// applied already are decoded only.
func (f *Follower[S, E, R]) enter(ctx context.Context, h headerInfo) error {
	label := "journal" + h.name
	rc, err := f.tail.OpenAt(ctx, h.name, 0)
	if err != nil {
		return fmt.Errorf("prevayler: follow: %w", err)
	}
	defer rc.Close()
	jr, err := journal.NewReader(bufio.NewReaderSize(rc, 1<<20), label, f.p.aead)
	if err != nil {
		return fmt.Errorf("prevayler: follow: read %s: %w", label, err)
	}
	if jr.Header().FileID != h.hdr.FileID {
		return fmt.Errorf("prevayler: follow: %s was replaced while the follower read it: %w", label, errMoved)
	}
	from := f.ts.pos.FileID()
	err = f.readEvents(jr, label, &f.ts, true)
	if f.ts.pos.FileID() != from {
		f.mu.Lock()
		f.stats.Rotations++
		f.mu.Unlock()
		f.p.log.Info("prevayler: follower moved to the next journal", "file", label, "base_seq", h.hdr.BaseSeq, "seq", f.ts.seq)
	}
	return err
}

// reload replaces the follower's state with the live journal's.
func (f *Follower[S, E, R]) reload(ctx context.Context, jhdr journal.Header) error {
	if !jhdr.Continuation && jhdr.BaseSeq < f.ts.seq {
		return stop(fmt.Errorf("prevayler: follow: the journal starts after event %d, the follower has applied event %d, and the journals between are gone or do not lead to its own: %w",
			jhdr.BaseSeq, f.ts.seq, ErrDiverged))
	}
	ts, err := f.load(ctx, store.Journal, f.initial)
	if err != nil {
		return err
	}
	if ts.seq < f.ts.seq {
		return stop(fmt.Errorf("prevayler: follow: the journal ends at event %d, the follower has applied event %d: %w", ts.seq, f.ts.seq, ErrDiverged))
	}
	first, from := !f.ts.pos.Valid(), f.ts.seq
	f.ts = ts
	f.mu.Lock()
	if first && jhdr.BaseSeq == 0 {
		f.stats.Rotations++
	} else {
		f.stats.Reloads++
	}
	f.mu.Unlock()
	if first && jhdr.BaseSeq == 0 {
		f.p.log.Info("prevayler: follower found the first journal", "seq", ts.seq)
	} else {
		f.p.log.Info("prevayler: follower reloaded the state from the journal's snapshot: the events between were pruned, or the journal was replaced",
			"from_seq", from, "base_seq", jhdr.BaseSeq, "seq", ts.seq)
	}
	return nil
}

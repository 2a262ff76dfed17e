package main

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// histFile is one file of a journal's history and its header.
type histFile struct {
	info store.FileInfo
	hdr  journal.Header
}

// history is the line of files that led to a store's current journal,
// oldest first: each names the one before it (PrevFileID).
type history struct {
	chain   []histFile
	cut     bool     // the oldest file names a predecessor that is not there
	missing [16]byte // that predecessor's file id
	skipped int      // archives whose header could not be read
}

// loadHistory reads the header of the current journal and of every
// archive of l, and links the current journal to its predecessors.
// Archives that are not on that line (a journal that copy --force or a
// restore replaced, say) are left out.
func loadHistory(ctx context.Context, l *location, aead cipher.AEAD) (*history, error) {
	files, err := listFiles(ctx, l)
	if err != nil {
		return nil, err
	}
	cur := files.Current()
	if cur == nil {
		return nil, fmt.Errorf("no journal at %s", l.url)
	}
	last, err := readHistHeader(ctx, l, *cur, aead)
	if err != nil {
		return nil, err
	}
	h := &history{}
	byID := make(map[[16]byte]histFile, len(files.Archives))
	// Newest first, so that of two archives with one id (copies of one
	// file) the newest is taken.
	for i := len(files.Archives) - 1; i >= 0; i-- {
		a := files.Archives[i]
		f, err := readHistHeader(ctx, l, a, aead)
		if err != nil {
			if errors.Is(err, store.ErrCorrupt) || errors.Is(err, store.ErrKey) {
				// Not on the line unless it is named; if it is, the line
				// is cut there and the error says so.
				h.skipped++
				continue
			}
			return nil, err
		}
		if _, dup := byID[f.hdr.FileID]; !dup {
			byID[f.hdr.FileID] = f
		}
	}
	delete(byID, last.hdr.FileID) // a copy of the journal kept as an archive
	h.chain = []histFile{last}
	// Each archive joins the line at most once, so the walk ends.
	for {
		prev := h.chain[0].hdr.PrevFileID
		if prev == ([16]byte{}) {
			break
		}
		f, ok := byID[prev]
		if !ok {
			h.cut, h.missing = true, prev
			break
		}
		delete(byID, prev) // a file is on the line once
		h.chain = append([]histFile{f}, h.chain...)
	}
	return h, nil
}

// readHistHeader reads and checks the header of the file fi of l.
func readHistHeader(ctx context.Context, l *location, fi store.FileInfo, aead cipher.AEAD) (histFile, error) {
	rc, err := l.s.Open(ctx, fi.Name)
	if err != nil {
		return histFile{}, fmt.Errorf("open %s: %w", l.name(fi.Name), err)
	}
	defer rc.Close()
	hdr, _, err := journal.ReadHeader(rc, l.name(fi.Name), aead)
	if err != nil {
		return histFile{}, err
	}
	return histFile{info: fi, hdr: hdr}, nil
}

// restorePlan is what a restore reads: the file whose snapshot it starts
// from, then the files whose events follow, in order.
type restorePlan struct {
	files []histFile
	// unsure says that the time of the first file's snapshot is unknown
	// (format 1): it is within a point in time only if the file's first
	// event is.
	unsure bool
}

// plan picks the newest snapshot within pt and the files that follow it.
func (h *history) plan(pt point) (restorePlan, error) {
	for i := len(h.chain) - 1; i >= 0; i-- {
		hdr := h.chain[i].hdr
		if hdr.Continuation {
			continue
		}
		unknown := hdr.BaseTime.IsZero() && (hdr.Version == journal.Version1 || hdr.BaseSeq > 0)
		if pt.bySeq || !unknown {
			// A zero BaseTime with BaseSeq 0 is the state before any event.
			if !pt.includes(hdr.BaseSeq, hdr.BaseTime) {
				continue
			}
		}
		return restorePlan{files: h.chain[i:], unsure: !pt.bySeq && unknown}, nil
	}
	oldest := "none: every file left continues an older one"
	for _, f := range h.chain {
		if !f.hdr.Continuation {
			oldest = fmt.Sprintf("after event %d", f.hdr.BaseSeq)
			if !f.hdr.BaseTime.IsZero() {
				oldest += ", journaled " + f.hdr.BaseTime.Format("2006-01-02T15:04:05.999999999Z07:00")
			}
			break
		}
	}
	if h.cut {
		detail := ""
		if h.skipped > 0 {
			detail = fmt.Sprintf(" (%d archives could not be read)", h.skipped)
		}
		return restorePlan{}, fmt.Errorf("%v: the oldest snapshot left is %s, and the file before it (id %x) is not among the archives%s: %w",
			pt, oldest, h.missing, detail, errPruned)
	}
	return restorePlan{}, fmt.Errorf("%v: the oldest snapshot is %s: %w", pt, oldest, errBeforeHistory)
}

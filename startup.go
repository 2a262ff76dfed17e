package prevayler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// startUp runs the start-up protocol (see package store): replay the
// backup if there is one, else the journal; write the recovered state to a
// new journal; retire the old one as an archive. The state is replayed
// before anything is renamed, so a journal that cannot be read (corrupt,
// wrong key) is left exactly as it was.
func (p *Prevayler[S, E, R]) startUp(ctx context.Context, initial S) (S, error) {
	listing, err := p.st.List(ctx)
	if err != nil {
		return initial, fmt.Errorf("prevayler: list journal files: %w", err)
	}
	files := store.Classify(listing)
	for _, a := range files.Archives {
		if t, ok := store.ArchiveTime(a.Name); ok && t.After(p.lastArchive) {
			p.lastArchive = t
		}
	}
	for _, f := range files.Temps {
		// An unfinished rewrite from a crash: never read, safe to drop.
		if err := p.st.Remove(ctx, f.Name); err != nil && !errors.Is(err, store.ErrNotExist) {
			return initial, fmt.Errorf("prevayler: remove leftover %q: %w", f.Name, err)
		}
	}

	state := initial
	cur := files.Current()
	var last replayed
	if cur != nil {
		if state, last, err = p.replay(ctx, cur.Name, cur.Size, initial, files.Archives); err != nil {
			return initial, err
		}
		if !last.closed {
			p.log.Info("prevayler: the journal was not closed cleanly; every acknowledged event is replayed, and a cut at a frame boundary could not be told from a crash",
				"file", "journal"+cur.Name, "last_seq", last.seq)
		}
	}
	p.lastAt = last.at

	if p.check {
		if err := checkRoundTrip(p.codec, state); err != nil {
			return initial, err
		}
	}
	info := journal.FileInfo{BaseSeq: last.seq, BaseTime: last.at, PrevFileID: last.fileID}
	tmp, w, framer, err := p.writeSnapshot(ctx, state, info)
	if errors.Is(err, ErrUnencodable) && cur != nil {
		// The handler accepted what the codec cannot encode. Refusing to
		// start would stop the application until its code changes; a
		// journal that continues this one without a snapshot keeps every
		// event, at the price of a longer start-up until a snapshot works.
		p.log.Error("prevayler: the recovered state cannot be encoded; starting a journal that continues the current one without a snapshot",
			"err", err, "file", "journal"+cur.Name)
		p.snapshotFailed(ctx, err)
		info.Continuation = true
		tmp, w, framer, err = p.writeSnapshot(ctx, state, info)
	}
	if err != nil {
		return initial, err
	}
	archive, err := p.install(ctx, tmp, cur != nil, files.Backup == nil)
	if err != nil {
		w.Close()
		return initial, err
	}
	p.fileID = framer.Header().FileID
	if info.Continuation {
		p.needed = append(last.chain, archive)
	}
	p.w.start(w, framer)
	if !info.Continuation {
		p.stats.snapshotted(time.Now())
	}
	p.schedulePrune()
	return state, nil
}

// install puts the synced temporary journal tmp in place: the current
// journal (if any) becomes the backup, tmp becomes the journal, the backup
// becomes an archive. A crash between any two steps is recovered by the
// next start: the backup, while it exists, takes precedence.
// It returns the archive's name, if any.
func (p *Prevayler[S, E, R]) install(ctx context.Context, tmp string, retire, journalToBackup bool) (string, error) {
	if retire && journalToBackup {
		if err := p.st.Rename(ctx, store.Journal, store.Backup); err != nil {
			return "", fmt.Errorf("prevayler: rename journal to backup: %w", err)
		}
	}
	if err := p.st.Rename(ctx, tmp, store.Journal); err != nil {
		return "", fmt.Errorf("prevayler: rename new journal into place: %w", err)
	}
	if !retire {
		return "", nil
	}
	name := p.nextArchiveName()
	if err := p.st.Rename(ctx, store.Backup, name); err != nil {
		return "", fmt.Errorf("prevayler: archive backup as %q: %w", name, err)
	}
	return name, nil
}

// nextArchiveName returns an archive name later than every one seen, even
// within one clock tick.
func (p *Prevayler[S, E, R]) nextArchiveName() string {
	t := time.Now().UTC()
	if !t.After(p.lastArchive) {
		t = p.lastArchive.Add(time.Nanosecond)
	}
	p.lastArchive = t
	return store.ArchiveName(t)
}

func (p *Prevayler[S, E, R]) removeQuietly(name string) {
	if err := p.st.Remove(context.Background(), name); err != nil && !errors.Is(err, store.ErrNotExist) {
		p.log.Warn("prevayler: could not remove unfinished journal; the next start removes it", "file", name, "err", err)
	}
}

func randomID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("prevayler: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

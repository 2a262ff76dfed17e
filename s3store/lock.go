package s3store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// lockMagic starts the body of <Key>.lock in format 2; a body without it
// (format 1: no epoch) reads as epoch 0.
const lockMagic = "prevayler-s3-lock 2"

// maxLockRaces bounds how often Lock retries the epoch increment when
// other Locks win it meanwhile.
const maxLockRaces = 8

// Lock makes this store the journal's writer, taking over from any
// previous one, alive or not, in a constant number of requests plus a
// few per file. It takes the next writer epoch with a conditional write
// of <Key>.lock, then fences the previous writer: when Lock returns,
// every marker that writer may change has a new ETag and records the new
// epoch, and every generation a marker names ends with a tombstone, so
// nothing the previous writer does afterwards changes the journal; it
// fails with store.ErrFenced instead. A Lock that meets the marks of a
// newer epoch stops with store.ErrFenced and changes nothing of it.
func (s *Store) Lock(ctx context.Context) error {
	if err := s.begin(ctx, "lock", false); err != nil {
		return err
	}
	s.op.Lock()
	defer s.op.Unlock()

	s.mu.Lock()
	s.writerID, s.epoch, s.files, s.fenced = newID(), 0, nil, nil
	s.mu.Unlock()

	if err := s.probe(ctx); err != nil {
		return err
	}
	var floor uint64 // an epoch seen in a marker: the next one must pass it
	for {
		if err := s.takeEpoch(ctx, floor); err != nil {
			return err
		}
		files, retired, err := s.takeMarkers(ctx)
		var newer *newerEpochError
		if errors.As(err, &newer) {
			// A marker of a newer epoch: a newer writer took over, unless
			// the lock object still names this one, which means the lock
			// object was deleted since that epoch: take a later one.
			if lerr := s.checkLease(ctx, "lock"); lerr != nil {
				return lerr
			}
			if floor >= newer.epoch {
				return fmt.Errorf("s3store: lock: epoch %d keeps reappearing: %w", newer.epoch, store.ErrCorrupt)
			}
			floor = newer.epoch
			continue
		}
		if err != nil {
			return err
		}
		return s.fenceAndCollect(ctx, files, retired)
	}
}

// fenceAndCollect ends every generation the markers name with a
// tombstone, confirms the lease, and collects retired generations.
func (s *Store) fenceAndCollect(ctx context.Context, files map[string]*file, retired []string) error {
	referenced := map[string]bool{}
	var open []string // generations a writer may still extend
	for _, f := range files {
		if f.gen != "" && !referenced[f.gen] {
			referenced[f.gen] = true
			if _, sealed := s.sealOf(f.gen); !sealed {
				open = append(open, f.gen)
			}
		}
	}
	err := s.forEach(ctx, open, func(ctx context.Context, gen string) error {
		c, err := s.tombstone(ctx, gen)
		if err == nil {
			s.setSeal(gen, seal{length: c.size, segments: c.end})
			s.keepListed(gen, c)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("s3store: lock: %w", err)
	}
	// Collect only while still the writer.
	if err := s.checkLease(ctx, "lock"); err != nil {
		return err
	}
	var orphans []string
	for _, g := range retired {
		if !referenced[g] {
			orphans = append(orphans, g)
		}
	}
	if err := s.collect(ctx, orphans); err != nil {
		// The lock is taken; the garbage waits for the next Lock.
		s.log.Warn("s3store: lock: removing retired generations failed", "err", err)
	}
	s.mu.Lock()
	s.files = files
	s.mu.Unlock()
	s.log.Debug("s3store: locked", "writer", s.writerID, "epoch", s.epoch, "files", len(files), "collected", len(orphans))
	return nil
}

// newerEpochError: a marker records an epoch newer than this writer's.
type newerEpochError struct {
	name  string
	epoch uint64
}

func (e *newerEpochError) Error() string {
	return fmt.Sprintf("the marker of %q records writer epoch %d", e.name, e.epoch)
}

// lockBody is <Key>.lock: the epoch and writer id are what Lock and
// checkLease compare (the metadata repeats them for HEAD); the rest is for
// people inspecting the bucket.
func (s *Store) lockBody() []byte {
	host, _ := os.Hostname()
	return fmt.Appendf(nil, "%s\nepoch %d\nwriter %s\nhost %s\npid %d\ntime %s\n",
		lockMagic, s.epoch, s.writerID, host, os.Getpid(), time.Now().UTC().Format(time.RFC3339Nano))
}

// lockEpoch reads the epoch of a lock body: 0 for format 1.
func lockEpoch(body []byte) (uint64, error) {
	first, rest, _ := strings.Cut(string(body), "\n")
	if first != lockMagic {
		return 0, nil
	}
	line, _, _ := strings.Cut(rest, "\n")
	v, ok := strings.CutPrefix(line, "epoch ")
	n, err := strconv.ParseUint(v, 10, 64)
	if !ok || err != nil || strconv.FormatUint(n, 10) != v {
		return 0, fmt.Errorf("lock object has no valid epoch: %w", store.ErrCorrupt)
	}
	return n, nil
}

// takeEpoch increments the epoch in <Key>.lock with a conditional write,
// past floor. When another Lock wins the increment meanwhile, it takes
// the one after: the latest Lock is the writer, and every earlier one is
// fenced.
func (s *Store) takeEpoch(ctx context.Context, floor uint64) error {
	for range maxLockRaces {
		cur, err := s.getObject(ctx, s.lockKey())
		if err != nil {
			return fmt.Errorf("s3store: lock: read %s: %w", s.lockKey(), err)
		}
		epoch, err := lockEpoch(cur.raw)
		if err != nil {
			return fmt.Errorf("s3store: lock: %s: %w", s.lockKey(), err)
		}
		s.mu.Lock()
		s.epoch = max(epoch, floor) + 1
		s.mu.Unlock()
		c := cond{}
		if cur.exists {
			c.ifMatch = cur.etag
		}
		_, err = s.putObject(ctx, s.lockKey(), s.lockBody(), c)
		if errors.Is(err, errConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("s3store: lock: %w", err)
		}
		return nil
	}
	return fmt.Errorf("s3store: lock: %d other Locks took the epoch meanwhile: %w", maxLockRaces, store.ErrFenced)
}

// checkLease confirms that the lock object still holds this writer's
// epoch. A marker written before a successful check is seen by the Lock
// of any later writer (which takes its epoch first, then reads markers),
// and so is fenced by it.
func (s *Store) checkLease(ctx context.Context, op string) error {
	var writer, epoch string
	err := s.do(ctx, "head lock", func(ctx context.Context) error {
		out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.opts.Bucket, Key: aws.String(s.lockKey())})
		if err == nil {
			writer, epoch = metaGet(out.Metadata, metaWriter), metaGet(out.Metadata, metaEpoch)
		}
		return err
	})
	if err != nil && !isNotFound(err) {
		return fmt.Errorf("s3store: %s: check lock: %w", op, err)
	}
	if writer != s.writerID || epoch != strconv.FormatUint(s.epoch, 10) {
		return s.fence(fmt.Sprintf("%s: the lock names writer %q epoch %q, not epoch %d", op, writer, epoch, s.epoch))
	}
	return nil
}

// takeMarkers makes Journal and Backup this epoch's: a Backup older than
// the Journal (a fenced writer's late write) is cleared, every other
// existing one rewritten with this epoch on the ETag just read, so that
// the previous writer's ETags go stale. Then it reads every other marker.
// The listing comes after the rewrites: a previous writer renames by
// writing the new name before clearing the old, so a marker that took
// over a generation from Journal or Backup before the rewrite is listed.
// It returns the files and the retired generations the markers name.
func (s *Store) takeMarkers(ctx context.Context) (map[string]*file, []string, error) {
	files, retired, err := s.takeFixed(ctx)
	if err != nil {
		return nil, nil, err
	}
	names, err := s.listNames(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("s3store: lock: %w", err)
	}
	var others []string
	for _, n := range names {
		if !fixed(n) {
			others = append(others, n)
		}
	}
	found := make([]markerObj, len(others))
	err = s.forEachIndex(ctx, len(others), func(ctx context.Context, i int) error {
		var err error
		found[i], err = s.getMarker(ctx, others[i])
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("s3store: lock: %w", err)
	}
	for i, o := range found {
		if o.m.Epoch > s.epoch {
			return nil, nil, &newerEpochError{others[i], o.m.Epoch}
		}
		if o.present() {
			files[others[i]] = &file{gen: o.m.Gen, etag: o.etag, retired: o.m.Retired}
			s.noteMarker(o)
		}
		if o.m.Retired != "" {
			retired = append(retired, o.m.Retired)
		}
	}
	if b := files[store.Backup]; b != nil && b.gen != "" && archived(b.gen, others, found) {
		etag, err := s.clearObj(ctx, store.Backup, b.etag)
		if err != nil {
			return nil, nil, fmt.Errorf("s3store: lock: clear a finished backup: %w", err)
		}
		s.log.Warn("s3store: lock: removed a backup marker whose generation is archived (a finished rotation, or a late request)")
		if etag == "" {
			delete(files, store.Backup)
		} else {
			files[store.Backup] = &file{etag: etag}
		}
	}
	return files, retired, nil
}

// archived reports whether an archive marker among names and objs names
// gen. A Backup on an archived generation does not take precedence: it
// is what a Backup-to-archive rename leaves when it crashes after its
// first write (the rename is done), or a conditional create of the
// Backup that reached the server late, after the rotation it belonged to
// had deleted the Backup.
func archived(gen string, names []string, objs []markerObj) bool {
	for i, n := range names {
		if strings.HasPrefix(n, store.ArchivePrefix) && objs[i].present() && objs[i].m.Gen == gen {
			return true
		}
	}
	return false
}

// takeFixed rewrites Journal and Backup for takeMarkers, reading again
// when a write races another.
func (s *Store) takeFixed(ctx context.Context) (map[string]*file, []string, error) {
	for range 20 {
		files, retired, err := s.takeFixedOnce(ctx)
		if errors.Is(err, errConflict) {
			if err := s.checkLease(ctx, "lock"); err != nil {
				return nil, nil, err // a later writer took over meanwhile
			}
			continue
		}
		return files, retired, err
	}
	return nil, nil, errors.New("s3store: lock: the markers keep changing")
}

func (s *Store) takeFixedOnce(ctx context.Context) (map[string]*file, []string, error) {
	var objs [2]markerObj
	for i, name := range []string{store.Journal, store.Backup} {
		o, err := s.getMarker(ctx, name)
		if err != nil {
			return nil, nil, fmt.Errorf("s3store: lock: %w", err)
		}
		if o.m.Epoch > s.epoch {
			return nil, nil, &newerEpochError{name, o.m.Epoch}
		}
		objs[i] = o
	}
	j, b := objs[0], objs[1]
	if stale(j, b) {
		if _, err := s.clearObj(ctx, store.Backup, b.etag); err != nil {
			return nil, nil, err
		}
		s.log.Warn("s3store: lock: removed a backup marker older than the journal's (a fenced writer's late write)",
			"backup_epoch", b.m.Epoch, "journal_epoch", j.m.Epoch)
		b = markerObj{}
	}
	files := map[string]*file{}
	var retired []string
	for _, x := range []struct {
		name string
		o    markerObj
	}{{store.Journal, j}, {store.Backup, b}} {
		if x.o.m.Retired != "" {
			retired = append(retired, x.o.m.Retired)
		}
		if !x.o.exists && s.condDelete {
			continue // absent, as a missing file is
		}
		var c cond
		if x.o.exists {
			c.ifMatch = x.o.etag
		}
		s.noteMarker(x.o) // first: the rewrite keeps the seal
		etag, err := s.putMarker(ctx, x.name, x.o.m.Gen, x.o.m.Retired, c)
		if err != nil {
			return nil, nil, err
		}
		files[x.name] = &file{gen: x.o.m.Gen, etag: etag, retired: x.o.m.Retired}
	}
	return files, retired, nil
}

// stale reports a Backup that must not take precedence: written by an
// older epoch than the Journal, so by a writer that a later one fenced
// (a takeover rewrites both with its epoch; afterwards only it writes
// them, and a fenced writer can only create a Backup that was absent).
func stale(j, b markerObj) bool {
	return b.present() && j.present() && b.m.Epoch < j.m.Epoch
}

// clearObj makes a Journal or Backup marker absent on etag: a conditional
// delete where the server supports it, an absent marker otherwise.
// It returns the absent marker's ETag ("" once deleted).
func (s *Store) clearObj(ctx context.Context, name, etag string) (string, error) {
	if s.condDelete {
		return "", s.deleteMarker(ctx, name, etag)
	}
	return s.putMarker(ctx, name, "", "", cond{ifMatch: etag})
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

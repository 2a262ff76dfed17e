package crashfs

import (
	"bytes"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"slices"
)

// CrashOptions say what a crash keeps of what was not made durable. The
// zero value keeps nothing: a power loss on a disk that honours fsync and
// nothing more.
type CrashOptions struct {
	// Unsynced returns what remains after the synced bytes of the file at
	// path, given the bytes written since its last Sync (a copy it may
	// keep). Nil keeps nothing.
	Unsynced func(path string, unsynced []byte) []byte
	// DirOps returns how many of the pending changes of a directory (the
	// creations, renames and removals made since its last SyncDir)
	// survive, counted from the oldest. Nil keeps none.
	DirOps func(dir string, pending int) int
}

// Ready-made parts of CrashOptions.
var (
	// KeepAll keeps every unsynced byte: a process crash, or a power loss
	// after the kernel wrote its cache back.
	KeepAll = func(_ string, b []byte) []byte { return b }
	// KeepHalf keeps the first half of the unsynced bytes: a torn write.
	KeepHalf = func(_ string, b []byte) []byte { return b[:len(b)/2] }
	// KeepAllButLast keeps all but the last unsynced byte.
	KeepAllButLast = func(_ string, b []byte) []byte { return b[:max(len(b)-1, 0)] }
	// Garbage replaces the unsynced bytes with as many pseudo-random ones,
	// the same for the same path and length: sectors written half way.
	Garbage = func(path string, b []byte) []byte {
		h := fnv.New64a()
		h.Write([]byte(path))
		rng := rand.New(rand.NewPCG(h.Sum64(), uint64(len(b))))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	// HoleThenTail zeroes the first half of the unsynced bytes and keeps
	// the rest: the cache wrote its later pages back but not the earlier
	// ones, and the file's size grew over a hole.
	HoleThenTail = func(_ string, b []byte) []byte {
		clear(b[:len(b)/2])
		return b
	}
	// AllDirOps keeps every pending directory change.
	AllDirOps = func(_ string, n int) int { return n }
	// HalfDirOps keeps the older half of the pending directory changes.
	HalfDirOps = func(_ string, n int) int { return n / 2 }
)

// Model is a named kind of crash.
type Model struct {
	Name    string
	Options CrashOptions
}

// Models returns the crashes the reliability harness simulates at every
// crash point: from a process crash, which keeps everything the kernel
// was told, to a power loss that keeps only what was synced, with torn,
// cut and garbled tails and half-done directory changes in between.
func Models() []Model {
	return []Model{
		{"process crash", CrashOptions{Unsynced: KeepAll, DirOps: AllDirOps}},
		{"power loss", CrashOptions{}},
		{"power loss, torn write", CrashOptions{Unsynced: KeepHalf, DirOps: AllDirOps}},
		{"power loss, all but the last byte", CrashOptions{Unsynced: KeepAllButLast, DirOps: AllDirOps}},
		{"power loss, garbage after the synced bytes", CrashOptions{Unsynced: Garbage, DirOps: AllDirOps}},
		{"power loss, later pages kept over a hole", CrashOptions{Unsynced: HoleThenTail, DirOps: AllDirOps}},
		{"power loss, data kept, directory changes lost", CrashOptions{Unsynced: KeepAll}},
		{"power loss, half the directory changes", CrashOptions{Unsynced: KeepHalf, DirOps: HalfDirOps}},
	}
}

// Crash replaces the live view with what survives a crash (see the
// package documentation and CrashOptions). Every file and lock opened
// before is dead: their calls fail with ErrCrashed, and the locks are
// free. The hook and the call counters are kept.
func (f *FS) Crash(opts CrashOptions) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.epoch++
	f.locks = map[string]*lockHandle{}
	kept := map[*inode]*inode{} // old inode -> what survives of it
	survive := func(path string, ino *inode) *inode {
		if s, ok := kept[ino]; ok {
			return s
		}
		data := bytes.Clone(ino.data[:ino.synced])
		if rest := ino.data[ino.synced:]; len(rest) > 0 && opts.Unsynced != nil {
			data = append(data, opts.Unsynced(path, bytes.Clone(rest))...)
		}
		r := ino.reservedSynced
		s := &inode{data: data, synced: len(data), reserved: r, reservedSynced: r, modTime: ino.modTime}
		kept[ino] = s
		return s
	}
	for _, p := range slices.Sorted(maps.Keys(f.dirs)) {
		d := f.dirs[p]
		entries := maps.Clone(d.durable)
		n := 0
		if opts.DirOps != nil {
			n = min(max(opts.DirOps(p, len(d.pending)), 0), len(d.pending))
		}
		for _, op := range d.pending[:n] {
			switch op.kind {
			case OpenFile:
				entries[op.name] = op.ino
			case Rename:
				if ino, ok := entries[op.name]; ok {
					entries[op.to] = ino
					delete(entries, op.name)
				}
			case Remove:
				delete(entries, op.name)
			}
		}
		for name, ino := range entries {
			entries[name] = survive(filepath.Join(p, name), ino)
		}
		d.live, d.durable, d.pending = entries, maps.Clone(entries), nil
	}
}

// Clone returns an independent copy of the file system, both views and
// the pending directory changes included, with no hook, no open file, no
// lock, and counters at zero: another machine booted from the same disk
// and page cache, so that several crashes can be tried on one moment.
func (f *FS) Clone() *FS {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := New()
	inos := map[*inode]*inode{}
	cp := func(ino *inode) *inode {
		if ino == nil {
			return nil
		}
		if n, ok := inos[ino]; ok {
			return n
		}
		n := &inode{data: bytes.Clone(ino.data), synced: ino.synced, reserved: ino.reserved,
			reservedSynced: ino.reservedSynced, modTime: ino.modTime}
		inos[ino] = n
		return n
	}
	for p, d := range f.dirs {
		nd := &dir{live: map[string]*inode{}, durable: map[string]*inode{}}
		for name, ino := range d.live {
			nd.live[name] = cp(ino)
		}
		for name, ino := range d.durable {
			nd.durable[name] = cp(ino)
		}
		for _, op := range d.pending {
			op.ino = cp(op.ino)
			nd.pending = append(nd.pending, op)
		}
		c.dirs[p] = nd
	}
	return c
}

// ReadFile returns the live content of a file.
func (f *FS) ReadFile(path string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, base, ok := f.lookup(path)
	if !ok {
		return nil, false
	}
	ino, ok := d.live[base]
	if !ok {
		return nil, false
	}
	return ino.content(), true
}

// WriteFile creates or replaces a file with data, durable at once, as if
// an earlier run had written, synced and renamed it into place; tests use
// it to plant a journal. The directory must exist.
func (f *FS) WriteFile(path string, data []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	d, base, ok := f.lookup(path)
	if !ok {
		return false
	}
	ino := &inode{data: bytes.Clone(data), synced: len(data)}
	d.live[base] = ino
	d.durable[base] = ino
	return true
}

package memstore

import (
	"bytes"
	"fmt"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// CrashOptions says what a simulated power loss keeps of the bytes that
// were written but not synced. The zero value drops them all.
type CrashOptions struct {
	// KeepUnsynced returns what remains on disk after the synced bytes of
	// the file name: typically a prefix of unsynced (a torn write) or
	// garbage (a sector that was half written). It receives a copy it may
	// keep or modify. It is called with the store's lock held and must not
	// call the store. Nil keeps nothing.
	KeepUnsynced func(name string, unsynced []byte) []byte
}

// Crash simulates a power loss on the files shared by every handle of
// this store. Each file keeps its synced bytes, plus whatever
// opts.KeepUnsynced returns for the rest; a file whose creation was never
// made durable (by Sync or Close of its writer) disappears. Renames and
// removals are durable when they return, so they all survive. Every
// handle and writer opened so far is dead (its calls fail with
// store.ErrClosed) and the lock is free: continue with Reopen.
func (s *Store) Crash(opts CrashOptions) {
	d := s.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.epoch++
	d.owner = nil
	for name, f := range d.files {
		if !f.durable {
			delete(d.files, name)
			continue
		}
		data := bytes.Clone(f.data[:f.synced])
		if unsynced := f.data[f.synced:]; opts.KeepUnsynced != nil && len(unsynced) > 0 {
			data = append(data, opts.KeepUnsynced(name, bytes.Clone(unsynced))...)
		}
		// A new file value, so that nothing still pointing at the old one
		// can change what survived.
		d.files[name] = &file{data: data, synced: len(data), durable: true, modTime: f.modTime}
	}
}

// Files returns a copy of every file's current content, synced or not,
// keyed by name.
func (s *Store) Files() map[string][]byte {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	m := make(map[string][]byte, len(s.d.files))
	for name, f := range s.d.files {
		m[name] = bytes.Clone(f.data)
	}
	return m
}

// SetFile replaces the content of the file name, creating it if needed,
// as if it had been written and synced: tests use it to plant a damaged
// journal. Writers of an existing file go on appending after data. It
// panics if name is not a journal file name (see package store).
func (s *Store) SetFile(name string, data []byte) {
	if !store.ValidName(name) {
		panic(fmt.Sprintf("memstore: SetFile %q: invalid journal file name", name))
	}
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	f, ok := s.d.files[name]
	if !ok {
		f = &file{}
		s.d.files[name] = f
	}
	f.data = bytes.Clone(data)
	f.synced, f.durable, f.modTime = len(data), true, time.Now()
}

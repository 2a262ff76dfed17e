package system_test

import (
	"io/fs"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability/crashfs"
	"github.com/prevayler-go/prevayler/localstore"
)

// The harness must be able to fail: on a file system that breaks its
// promises, the crash enumeration has to find lost events.

// lyingSyncFS claims every fsync of a file succeeded without doing it.
type lyingSyncFS struct{ *crashfs.FS }

func (f lyingSyncFS) OpenFile(name string, flag int, perm fs.FileMode) (localstore.File, error) {
	fl, err := f.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return lyingSyncFile{fl}, nil
}

type lyingSyncFile struct{ localstore.File }

func (lyingSyncFile) Sync() error { return nil }

// lyingDirFS claims every directory fsync succeeded without doing it.
type lyingDirFS struct{ *crashfs.FS }

func (lyingDirFS) SyncDir(string) error { return nil }

func TestHarnessCatchesLyingFileSystems(t *testing.T) {
	tests := []struct {
		name string
		wrap func(*crashfs.FS) localstore.FS
	}{
		{"fsync does nothing", func(f *crashfs.FS) localstore.FS { return lyingSyncFS{f} }},
		{"directory fsync does nothing", func(f *crashfs.FS) localstore.FS { return lyingDirFS{f} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := hEnumerateCrashes(t, prevayler.Durable, tt.wrap, hSize{writers: 2, before: 1, during: 1, after: 1})
			if tl.Lost == 0 && tl.Wrong == 0 {
				t.Fatalf("%d crash points on a file system whose %s, and the harness saw nothing wrong", tl.Count, tt.name)
			}
			t.Logf("%s: %d acknowledged events lost, %d wrong outcomes over %d crash points", tt.name, tl.Lost, tl.Wrong, tl.Count)
		})
	}
}

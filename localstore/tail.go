package localstore

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// DefaultPollInterval is how often a follower checks a local journal: a
// check is an open, a read of the header and a read at the end, all
// served by the page cache.
const DefaultPollInterval = 100 * time.Millisecond

var _ store.Tailer = (*Store)(nil)

// OpenAt opens a file of the journal for reading from byte off. It works
// without the lock. The stream is an io.Seeker when the FS's files are.
func (s *Store) OpenAt(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	p, err := s.begin(ctx, "open", name, false)
	if err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("localstore: open %s at byte %d: negative offset", p, off)
	}
	f, err := s.fs.OpenFile(p, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("localstore: open %s: %w", p, osErr(err))
	}
	if off == 0 {
		return f, nil
	}
	if sk, ok := f.(io.Seeker); ok {
		if _, err := sk.Seek(off, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("localstore: seek %s to byte %d: %w", p, off, osErr(err))
		}
		return f, nil
	}
	if _, err := io.CopyN(io.Discard, f, off); err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("localstore: read %s up to byte %d: %w", p, off, osErr(err))
	}
	return f, nil
}

// PollInterval returns DefaultPollInterval.
func (s *Store) PollInterval() time.Duration { return DefaultPollInterval }

package memstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// DefaultPollInterval is how often a follower checks a memory store.
const DefaultPollInterval = 10 * time.Millisecond

var _ store.Tailer = (*Store)(nil)

// OpenAt returns the file's content from byte off as it is now. It works
// without the lock.
func (s *Store) OpenAt(ctx context.Context, name string, off int64) (io.ReadCloser, error) {
	s.d.mu.Lock()
	defer s.d.mu.Unlock()
	if err := s.check(ctx, "open", name, false); err != nil {
		return nil, err
	}
	if off < 0 {
		return nil, fmt.Errorf("memstore: open %q at byte %d: negative offset", name, off)
	}
	f, ok := s.d.files[name]
	if !ok {
		return nil, fmt.Errorf("memstore: open %q: %w", name, store.ErrNotExist)
	}
	r := bytes.NewReader(bytes.Clone(f.data))
	r.Seek(min(off, int64(len(f.data))), io.SeekStart)
	return readSeekNopCloser{r}, nil
}

// PollInterval returns DefaultPollInterval.
func (s *Store) PollInterval() time.Duration { return DefaultPollInterval }

type readSeekNopCloser struct{ *bytes.Reader }

func (readSeekNopCloser) Close() error { return nil }

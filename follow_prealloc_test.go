package prevayler_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// TestFollowPreallocated tails a writer whose journal reserves space ahead
// of its writes in small steps, so that the follower reads the zeros of
// the reserve after every event, across many extensions: zeros at the end
// are events not written yet, neither damage nor the end of the journal.
// A restart of the writer then recovers from a file it never truncated.
func TestFollowPreallocated(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("preallocation is Linux only")
	}
	for _, d := range []prevayler.Durability{prevayler.Durable, prevayler.Buffered} {
		t.Run(d.String(), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "journal")
			newStore := func() store.Store {
				return localstore.NewWithOptions(path, localstore.Options{Preallocate: 4096})
			}
			opts := prevayler.Options[ledger]{Durability: d, SyncInterval: 5 * time.Millisecond}
			p := mustOpenTally(t, newStore(), opts)
			f := mustFollow(t, newStore(), time.Millisecond)
			const n = 400
			for v := int64(1); v <= n; v++ {
				mustHandle(t, p, v)
				if v%25 == 0 {
					if err := p.Sync(context.Background()); err != nil {
						t.Fatal(err)
					}
					followerAt(t, f, p.Seq())
				}
			}
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size()%4096 != 0 {
				t.Fatalf("open journal of %d bytes: not preallocated in steps of 4096", info.Size())
			}
			followerAt(t, f, n)
			if st := f.Stats(); st.LastError != nil || st.Reloads != 0 {
				t.Fatalf("follower stats %+v: want no error, no reload", st)
			}
			// What a crash leaves: the journal as it is now, zeros included.
			if err := p.Sync(context.Background()); err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if data[len(data)-1] != 0 {
				t.Fatalf("open journal of %d bytes does not end in reserved zeros", len(data))
			}
			crashed := filepath.Join(t.TempDir(), "journal")
			if err := os.WriteFile(crashed, data, 0o644); err != nil {
				t.Fatal(err)
			}
			r := mustOpenTally(t, localstore.New(crashed), opts)
			if s, seq := r.StateSeq(); seq != n || checkPrefix(s, seq) != nil {
				t.Fatalf("recovered at %d from a preallocated journal, want %d", seq, n)
			}
			mustClose(t, r)
			mustHandle(t, p, n+1)
			mustClose(t, p)
			followerAt(t, f, n+1)
			s, seq := f.StateSeq()
			if err := checkPrefix(s, seq); err != nil {
				t.Fatalf("follower at %d: %v", seq, err)
			}
		})
	}
}

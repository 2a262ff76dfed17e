package prevayler_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/store"
)

// blockingRemove is a store whose Remove waits for its context: a slow
// object store's delete.
type blockingRemove struct {
	store.Store
	started atomic.Int32
}

func (b *blockingRemove) Remove(ctx context.Context, name string) error {
	b.started.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

// Open and Snapshot leave the pruning to the background, and Close ends
// it: neither waits for a store's slow deletes.
func TestPruneOffOpensPath(t *testing.T) {
	open, path := localStore(t)
	dir := filepath.Dir(path)
	p := mustOpen(t, open(), prevayler.Options[ledger]{})
	for i := 0; i < 4; i++ {
		mustHandle(t, p, int64(i))
		if err := p.Snapshot(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mustClose(t, p)
	if n := len(archives(t, dir)); n != 4 {
		t.Fatalf("%d archives, want 4", n)
	}

	slow := &blockingRemove{Store: open()}
	start := time.Now()
	p = mustOpen(t, slow, prevayler.Options[ledger]{KeepArchives: 1})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Open took %v with a blocking Remove", d)
	}
	waitFor(t, "a prune to start", func() bool { return slow.started.Load() > 0 })
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the blocked pruning")
	}

	// With a store that deletes, the archives go eventually.
	p = mustOpen(t, open(), prevayler.Options[ledger]{KeepArchives: 1})
	defer p.Close()
	waitFor(t, "1 archive", func() bool { return len(archives(t, dir)) == 1 })
}

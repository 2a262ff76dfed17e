package prevayler_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

// writerEnv makes the test binary a writer process (see TestMain): the
// value is the journal's path.
const writerEnv = "PREVAYLER_TEST_WRITER_JOURNAL"

// processEvents is how many events the writer process journals.
const processEvents = 2000

func TestMain(m *testing.M) {
	if path := os.Getenv(writerEnv); path != "" {
		if err := writerProcess(path); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// writerProcess journals the values 1..processEvents, taking snapshots
// and restarting half way, as a writer in another process would.
func writerProcess(path string) error {
	ctx := context.Background()
	opts := prevayler.Options[ledger]{Durability: prevayler.Buffered, SyncInterval: 5 * time.Millisecond}
	open := func() (*testPrevayler, error) {
		opts.Store = localstore.New(path)
		return prevayler.Open(ctx, followTally, opts)
	}
	p, err := open()
	if err != nil {
		return err
	}
	for v := int64(1); v <= processEvents; v++ {
		if _, err := p.Handle(ctx, add{V: v}); err != nil {
			return err
		}
		switch {
		case v == processEvents/2:
			if err := p.Close(); err != nil {
				return err
			}
			if p, err = open(); err != nil {
				return err
			}
		case v%300 == 0:
			if err := p.Snapshot(ctx); err != nil {
				return err
			}
		}
	}
	return p.Close()
}

// TestFollowOtherProcess follows a writer in another process while it
// appends, snapshots and restarts: the follower never blocks it, and
// applies each of its events once, in order.
func TestFollowOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	f := mustFollow(t, localstore.New(path), time.Millisecond)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), writerEnv+"="+path)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var last uint64
	for running := true; running; {
		select {
		case err := <-exited:
			if err != nil {
				t.Fatalf("writer process: %v", err)
			}
			running = false
		case <-time.After(200 * time.Microsecond):
		}
		s, seq := f.StateSeq()
		if err := checkPrefix(s, seq); err != nil || seq < last {
			t.Fatalf("follower at %d after %d: %v", seq, last, err)
		}
		last = seq
	}
	followerAt(t, f, processEvents)
	st := f.Stats()
	if st.Reloads != 0 || st.Rotations < 7 {
		t.Fatalf("stats %+v: want 7 rotations (6 snapshots, 1 restart) and no reload", st)
	}
}

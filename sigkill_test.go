package prevayler_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

var killRounds = flag.Int("kill-rounds", 24, "rounds of TestSIGKILL (a child process killed at a random moment)")

const childEnv = "PREVAYLER_TEST_KILL_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		killChild(dir)
		return
	}
	os.Exit(m.Run())
}

// killChild is the writer that TestSIGKILL kills: it numbers events on from
// what it recovered, prints each number once Handle acknowledged it, and
// takes a snapshot every 25 events.
func killChild(path string) {
	p, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: localstore.New(path)})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	out := bufio.NewWriterSize(os.Stdout, 64)
	v := int64(1)
	if seen := p.State().Seen; len(seen) > 0 {
		v = seen[len(seen)-1] + 1
	}
	for ; ; v++ {
		if v == 13 {
			v++ // record panics on 13 by design; skip it by journaling 14 in its place
		}
		if _, err := p.Handle(context.Background(), add{V: v}); err != nil {
			fmt.Fprintln(os.Stderr, "child handle:", err)
			os.Exit(4)
		}
		fmt.Fprintln(out, v)
		out.Flush()
		if v%25 == 0 {
			if err := p.Snapshot(context.Background()); err != nil {
				fmt.Fprintln(os.Stderr, "child snapshot:", err)
				os.Exit(5)
			}
		}
	}
}

// TestSIGKILL runs a writer in a child process, kills it with SIGKILL at a
// random moment (during start-up, events or a snapshot), and checks that
// every event the child saw acknowledged survives, in order, with nothing
// invented. -kill-rounds sets the number of rounds.
func TestSIGKILL(t *testing.T) {
	rounds := *killRounds
	if testing.Short() {
		rounds = 5
	}
	path := filepath.Join(t.TempDir(), "journal")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var maxAcked int64
	for round := 0; round < rounds; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := make(chan int64)
		first := make(chan struct{})
		go func() {
			var last int64
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if v, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
					if last == 0 {
						close(first)
					}
					last = v
				}
			}
			acked <- last
		}()
		if round%4 == 0 {
			// Kill during start-up: recovery and the rotation of the journal.
			time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		} else {
			// Kill while events and snapshots are under way.
			select {
			case <-first:
			case <-time.After(10 * time.Second):
			}
			time.Sleep(time.Duration(rng.IntN(80_000)) * time.Microsecond)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		last := <-acked
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("round %d: the child ended on its own (%v) instead of being killed: %s", round, err, stderr.String())
		}
		if last > maxAcked {
			maxAcked = last
		}

		p, err := prevayler.Open(context.Background(), record, prevayler.Options[ledger]{Store: localstore.New(path)})
		if err != nil {
			t.Fatalf("round %d: recovery failed: %v", round, err)
		}
		seen := p.State().Seen
		p.Close()
		want := int64(1)
		for i, v := range seen {
			if v == 13 {
				t.Fatalf("round %d: event %d is 13", round, i)
			}
			if want == 13 {
				want++
			}
			if v != want {
				t.Fatalf("round %d: event %d is %d, want %d: lost, duplicated or reordered", round, i, v, want)
			}
			want++
		}
		if n := len(seen); n == 0 && maxAcked > 0 || n > 0 && seen[n-1] < maxAcked {
			t.Fatalf("round %d: recovered up to %v, but the child saw %d acknowledged", round, seen[max(n-1, 0):], maxAcked)
		}
	}
	t.Logf("%d SIGKILL rounds, %d events acknowledged in all, none lost", rounds, maxAcked)
}

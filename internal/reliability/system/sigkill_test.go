package system_test

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

const (
	childEnv = "PREVAYLER_TEST_KILL_CHILD"
	// bufferedEnv makes the child Buffered: its events are acknowledged
	// once in the page cache, on Linux by a copy into a mapping of the
	// preallocated journal, which a killed process must not lose either.
	bufferedEnv = "PREVAYLER_TEST_KILL_BUFFERED"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		killChild(dir)
		return
	}
	os.Exit(m.Run())
}

// killChild is the writer that TestSIGKILL kills: it numbers its events on
// from what it recovered, prints each number once Handle acknowledged it,
// and takes a snapshot every 25 events.
func killChild(path string) {
	opts := prevayler.Options[hLog]{Store: localstore.New(path)}
	if os.Getenv(bufferedEnv) != "" {
		opts.Durability = prevayler.Buffered
	}
	p, err := prevayler.Open(context.Background(), hReplay, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	out := bufio.NewWriterSize(os.Stdout, 64)
	seq := len(p.State().Events) + 1
	for ; ; seq++ {
		if _, err := p.Handle(context.Background(), hEvent{W: 1, Seq: seq}); err != nil {
			fmt.Fprintln(os.Stderr, "child handle:", err)
			os.Exit(4)
		}
		fmt.Fprintln(out, seq)
		out.Flush()
		if seq%25 == 0 {
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
// invented. Every other round the child is Buffered. -kill-rounds sets
// the number of rounds.
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
		if round%2 == 1 {
			cmd.Env = append(cmd.Env, bufferedEnv+"=1")
		}
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

		p, err := prevayler.Open(context.Background(), hReplay, prevayler.Options[hLog]{Store: localstore.New(path)})
		if err != nil {
			t.Fatalf("round %d: recovery failed: %v", round, err)
		}
		seen := p.State().Events
		p.Close()
		for i, e := range seen {
			if want := (hEvent{W: 1, Seq: i + 1}); e != want {
				t.Fatalf("round %d: event %d is %v, want %v: lost, duplicated or reordered", round, i, e, want)
			}
		}
		if int64(len(seen)) < maxAcked {
			t.Fatalf("round %d: recovered %d events, but the child saw %d acknowledged", round, len(seen), maxAcked)
		}
	}
	t.Logf("%d SIGKILL rounds, %d events acknowledged in all, none lost", rounds, maxAcked)
}

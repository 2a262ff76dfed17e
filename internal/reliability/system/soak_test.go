package system_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability"
	"github.com/prevayler-go/prevayler/localstore"
)

var soakTime = flag.Duration("soak", 2*time.Second, "how long TestHarnessSoak runs")

// hCounts is the soak state: how many events each writer has had
// accepted. The handler refuses an event that is not the writer's next,
// so a lost, duplicated or reordered event shows at once.
type hCounts struct{ N []int64 }

func hCount(s hCounts, e hEvent, _ time.Time) (hCounts, int64, error) {
	if e.W < 0 || e.W >= len(s.N) || int64(e.Seq) != s.N[e.W]+1 {
		return s, 0, fmt.Errorf("event %v out of order: writer is at %v", e, s.N)
	}
	n := slices.Clone(s.N)
	n[e.W]++
	return hCounts{N: n}, n[e.W], nil
}

func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// TestHarnessSoak runs many writers, readers and periodic snapshots on a
// local journal for -soak (2 s by default, half of it in each durability
// mode), checks that the live heap
// stays bounded, then reopens and checks every acknowledged event is
// there exactly once.
func TestHarnessSoak(t *testing.T) {
	for _, d := range hModes {
		t.Run(d.String(), func(t *testing.T) { hSoak(t, d, *soakTime/2) })
	}
}

func hSoak(t *testing.T, d prevayler.Durability, soak time.Duration) {
	const writers, readers = 32, 4
	path := filepath.Join(t.TempDir(), "journal")
	open := func() *prevayler.Prevayler[hCounts, hEvent, int64] {
		p, err := prevayler.Open(context.Background(), hCount, prevayler.Options[hCounts]{
			Store:        localstore.New(path),
			InitialState: hCounts{N: make([]int64, writers)},
			Durability:   d,
			KeepArchives: 2,
		})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := open()
	var (
		acked   [writers]atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		errs    = make(chan error, writers+readers+1)
		reads   atomic.Int64
		snaps   atomic.Int64
		samples []uint64
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 1; ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := p.Handle(context.Background(), hEvent{W: w, Seq: seq}); err != nil {
					errs <- fmt.Errorf("writer %d event %d: %w", w, seq, err)
					return
				}
				acked[w].Store(int64(seq))
			}
		}()
	}
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				var sum int64
				for _, n := range p.State().N {
					sum += n
				}
				if sum < last {
					errs <- fmt.Errorf("a reader saw the state go back from %d to %d events", last, sum)
					return
				}
				last = sum
				reads.Add(1)
				time.Sleep(100 * time.Microsecond) // readers share the two cores with the writers
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if err := p.Snapshot(context.Background()); err != nil {
					errs <- fmt.Errorf("snapshot: %w", err)
					return
				}
				snaps.Add(1)
			}
		}
	}()

	deadline := time.Now().Add(soak)
	for time.Now().Before(deadline) {
		time.Sleep(min(250*time.Millisecond, time.Until(deadline)))
		samples = append(samples, liveHeap())
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}

	p = open()
	defer p.Close()
	var total, lost int64
	for w := range writers {
		want, got := acked[w].Load(), p.State().N[w]
		total += want
		if got < want {
			lost += want - got
			t.Errorf("writer %d: %d events acknowledged, %d recovered", w, want, got)
		}
	}
	base := samples[min(1, len(samples)-1)]
	peak := slices.Max(samples)
	const slack = 16 << 20
	if peak > 2*base+slack {
		t.Errorf("live heap grew from %d to %d bytes over the soak: %v", base, peak, samples)
	}
	f := reliability.Figure{
		Name:  fmt.Sprintf("soak: %d writers, %d readers, a snapshot every 200ms, local %s", writers, readers, d),
		Count: total, Unit: "events", Acked: total, Lost: lost,
		Note: fmt.Sprintf("%v, %d reads, %d snapshots, live heap %.1f MiB at start, %.1f MiB at most", soak, reads.Load(), snaps.Load(), float64(base)/(1<<20), float64(peak)/(1<<20)),
	}
	if t.Failed() {
		f.Wrong = 1
	}
	t.Log(f.Line())
}

// openFDs counts this process's open file descriptors (Linux only).
func openFDs() (int, bool) {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return 0, false
	}
	return len(es), true
}

// TestHarnessOpenCloseLeaks opens and closes a journal 50 times, with
// events, a snapshot and the snapshot policy's goroutine each time, in
// both durability modes, and checks that no goroutine and no file
// descriptor is left behind.
func TestHarnessOpenCloseLeaks(t *testing.T) {
	const cycles = 50
	path := filepath.Join(t.TempDir(), "journal")
	cycle := func(i int) {
		d := prevayler.Durable
		if i%2 == 1 {
			d = prevayler.Buffered
		}
		p, err := prevayler.Open(context.Background(), hReplay, prevayler.Options[hLog]{
			Store: localstore.New(path), Durability: d, SnapshotInterval: time.Hour, KeepArchives: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for s := range 3 {
					if _, err := p.Handle(context.Background(), hEvent{W: w, Seq: i*10 + s}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if err := p.Snapshot(context.Background()); err != nil {
			t.Error(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cycle(0) // warm up whatever the runtime keeps for good
	g0 := runtime.NumGoroutine()
	fd0, haveFDs := openFDs()
	for i := 1; i <= cycles; i++ {
		cycle(i)
	}
	g := runtime.NumGoroutine()
	for deadline := time.Now().Add(2 * time.Second); g > g0 && time.Now().Before(deadline); g = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if g > g0 {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before %d Open/Close cycles, %d after:\n%s", g0, cycles, g, buf[:runtime.Stack(buf, true)])
	}
	note := fmt.Sprintf("goroutines %d before, %d after", g0, g)
	if haveFDs {
		fd, _ := openFDs()
		if fd > fd0 {
			t.Errorf("%d open file descriptors before %d Open/Close cycles, %d after", fd0, cycles, fd)
		}
		note += fmt.Sprintf("; file descriptors %d before, %d after", fd0, fd)
	} else {
		t.Log("no /proc/self/fd here: file descriptors not counted")
	}
	f := reliability.Figure{Name: "Open/Close cycles, local, both modes, with snapshots", Count: cycles, Unit: "cycles", Note: note}
	if t.Failed() {
		f.Wrong = 1
	}
	t.Log(f.Line())
}

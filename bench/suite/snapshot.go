package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/prevayler-go/prevayler/bench/bank"
	"github.com/prevayler-go/prevayler/bench/harness"
)

// snapshotter is the part of a prevalent bank the workload needs.
type snapshotter interface {
	bank.System
	Snapshot(ctx context.Context) error
}

// snapshotRounds is how many times writers alone and writers beside
// snapshots alternate.
const snapshotRounds = 2

// runSnapshots measures, on the user's state and on the radix tree, the
// time of one snapshot of a large bank, then the latency of Durable
// writers without and with snapshots running back to back beside them.
func (r *runner) runSnapshots(ctx context.Context) {
	for _, st := range []string{StateModel, StateRadix} {
		name := "snapshot/" + st
		if !r.o.selected(name) {
			continue
		}
		s, err := r.snapshotOn(ctx, st)
		if err != nil {
			r.fail(name, err)
			continue
		}
		r.res.Snaps = append(r.res.Snaps, s)
		r.log.Info("snapshot", "state", st, "idle", s.Idle, "snapshots_during", len(s.During),
			"p99_without", s.Without.P99, "p99_with", s.With.P99)
	}
}

func (r *runner) snapshotOn(ctx context.Context, st string) (Snapshot, error) {
	out := Snapshot{State: st, Accounts: r.o.SnapshotAccounts}
	dir, err := os.MkdirTemp(r.o.Dir, "snapshot-")
	if err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	cfg := bank.Config{Dir: dir, Accounts: r.o.SnapshotAccounts, Initial: r.o.Initial, Durable: true}
	open := bank.OpenPrevayler
	if st == StateRadix {
		open = bank.OpenPrevaylerRadix
	}
	sys, err := open(ctx, cfg)
	if err != nil {
		return out, err
	}
	defer sys.Close()
	s := sys.(snapshotter)

	start := time.Now()
	if err := s.Snapshot(ctx); err != nil {
		return out, err
	}
	out.Idle = time.Since(start)
	fi, err := os.Stat(filepath.Join(dir, "journal"))
	if err != nil {
		return out, err
	}
	out.SnapshotBytes = fi.Size()

	// Writers alone and writers beside snapshots alternate, twice each,
	// so that a shared machine's drift favours neither.
	loop := harness.Loop{Callers: r.o.SnapshotCallers, Warmup: r.o.Warmup, Duration: r.o.Duration / snapshotRounds, Seed: 11}
	op := transferOp(s, r.o.SnapshotAccounts, DefaultMaxAmount)
	var without, with harness.Result
	for round := 0; round < snapshotRounds; round++ {
		stopProfile := r.profile(fmt.Sprintf("snapshot/%s/without-%d", st, round))
		res, err := loop.Run(ctx, op)
		stopProfile()
		if err != nil {
			return out, fmt.Errorf("writers alone: %w", err)
		}
		without.Merge(res)

		stopProfile = r.profile(fmt.Sprintf("snapshot/%s/with-%d", st, round))
		res, err = r.besideSnapshots(ctx, s, &out, loop, op)
		stopProfile()
		if err != nil {
			return out, err
		}
		with.Merge(res)
	}
	out.Without = pointOf("snapshot/without", st, &without)
	out.With = pointOf("snapshot/with", st, &with)
	if out.ProbeAlone, out.ProbeWith, err = r.fsyncInterference(ctx, out.SnapshotBytes); err != nil {
		return out, fmt.Errorf("fsync probe: %w", err)
	}
	total, err := s.Total(ctx)
	if err != nil {
		return out, err
	}
	if want := int64(r.o.SnapshotAccounts) * r.o.Initial; total != want {
		return out, fmt.Errorf("balance total %d, want %d", total, want)
	}
	return out, s.Close()
}

// besideSnapshots runs the writers' loop while snapshots run back to back,
// recording each snapshot's time.
func (r *runner) besideSnapshots(ctx context.Context, s snapshotter, out *Snapshot, loop harness.Loop, op harness.Op) (*harness.Result, error) {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var snapErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			t := time.Now()
			if err := s.Snapshot(ctx); err != nil {
				snapErr = err
				return
			}
			out.During = append(out.During, time.Since(t))
		}
	}()
	res, err := loop.Run(ctx, op)
	close(stop)
	wg.Wait()
	if err != nil {
		return nil, fmt.Errorf("writers during snapshots: %w", err)
	}
	if snapErr != nil {
		return nil, fmt.Errorf("snapshot beside writers: %w", snapErr)
	}
	return res, nil
}

// fsyncInterference measures what a snapshot's writing alone does to the
// latency of durable writes, with no prevalent system involved: the raw
// group-commit probe, with the snapshot workload's callers, alone and
// then while files of a snapshot's size are written, fsynced and renamed
// back to back beside it.
func (r *runner) fsyncInterference(ctx context.Context, size int64) (alone, with Point, err error) {
	dir, err := os.MkdirTemp(r.o.Dir, "fsync-")
	if err != nil {
		return alone, with, err
	}
	defer os.RemoveAll(dir)
	s, err := bank.OpenRawGroup(ctx, bank.Config{Dir: dir, Accounts: r.o.Accounts, Initial: r.o.Initial, Durable: true})
	if err != nil {
		return alone, with, err
	}
	defer s.Close()
	loop := harness.Loop{Callers: r.o.SnapshotCallers, Warmup: r.o.Warmup, Duration: r.o.Duration / snapshotRounds, Seed: 13}
	op := transferOp(s, r.o.Accounts, DefaultMaxAmount)
	var a, w harness.Result
	for round := 0; round < snapshotRounds; round++ {
		res, err := loop.Run(ctx, op)
		if err != nil {
			return alone, with, err
		}
		a.Merge(res)
		stop := make(chan struct{})
		done := make(chan error, 1)
		go func() { done <- writeFilesUntil(stop, dir, size) }()
		res, err = loop.Run(ctx, op)
		close(stop)
		if werr := <-done; err == nil {
			err = werr
		}
		if err != nil {
			return alone, with, err
		}
		w.Merge(res)
	}
	alone = pointOf("snapshot/probe-alone", bank.RawGroup, &a)
	with = pointOf("snapshot/probe-with", bank.RawGroup, &w)
	return alone, with, s.Close()
}

// writeFilesUntil writes files of size bytes, each fsynced and renamed
// over the previous one, as snapshots do, until stop is closed.
func writeFilesUntil(stop <-chan struct{}, dir string, size int64) error {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for n := 0; ; n++ {
		select {
		case <-stop:
			return nil
		default:
		}
		tmp := filepath.Join(dir, fmt.Sprintf("snap-%d.tmp", n))
		f, err := os.Create(tmp)
		if err != nil {
			return err
		}
		for left := size; left > 0; left -= int64(len(buf)) {
			if _, err := f.Write(buf[:min(int64(len(buf)), left)]); err != nil {
				f.Close()
				return err
			}
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(dir, "snap")); err != nil {
			return err
		}
	}
}

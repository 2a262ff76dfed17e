package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/localstore"
)

// The lone-caller workload: one goroutine calling Buffered Handle in a
// tight loop with a trivial handler (a counter) and the default codec,
// against the cheapest thing that hands a record to the operating
// system: one 40-byte write(2) per record to a growing file. They take
// turns, loneRounds times, for the same window each.

const (
	loneRounds      = 3
	loneRecordBytes = 40
)

// Lone names of the workload's systems.
const (
	LoneLibrary  = "prevayler Buffered, counter, gob"
	LoneLibBin   = "prevayler Buffered, counter, Binary codec"
	LoneRawWrite = "one 40-byte write(2) per record"
)

// LoneRate is the events per second of one system of the workload.
type LoneRate struct {
	System       string
	Events       int64
	EventsPerSec float64
}

func (r *runner) runLone(ctx context.Context) {
	if !r.o.selected("lone/") {
		return
	}
	dir, err := os.MkdirTemp(r.o.Dir, "lone-")
	if err != nil {
		r.fail("lone/", err)
		return
	}
	defer os.RemoveAll(dir)
	window := r.o.Duration / loneRounds
	sums := map[string]*LoneRate{}
	order := []string{LoneLibrary, LoneLibBin, LoneRawWrite}
	for _, s := range order {
		sums[s] = &LoneRate{System: s}
	}
	var took = map[string]time.Duration{}
	for round := range loneRounds {
		for i, s := range order {
			path := filepath.Join(dir, fmt.Sprintf("%d-%d", round, i))
			stop := r.profile(fmt.Sprintf("lone/%d/%d", i, round))
			var n int64
			var err error
			switch s {
			case LoneRawWrite:
				n, err = loneRaw(path, window)
			case LoneLibrary:
				n, err = loneLibrary(ctx, path, window, prevayler.Gob)
			default:
				n, err = loneLibrary(ctx, path, window, prevayler.Binary)
			}
			stop()
			if err != nil {
				r.fail("lone/"+s, err)
				return
			}
			sums[s].Events += n
			took[s] += window
		}
	}
	for _, s := range order {
		lr := sums[s]
		lr.EventsPerSec = float64(lr.Events) / took[s].Seconds()
		r.res.Lone = append(r.res.Lone, *lr)
		r.log.Info("lone caller", "system", s, "per_s", int(lr.EventsPerSec))
	}
}

// loneLibrary counts the events one caller gets through Buffered Handle
// in d, on a fresh journal.
func loneLibrary(ctx context.Context, path string, d time.Duration, c prevayler.Codec) (int64, error) {
	p, err := prevayler.Open(ctx, countBin, prevayler.Options[Counter]{
		Store: localstore.New(path), Durability: prevayler.Buffered, Codec: c,
	})
	if err != nil {
		return 0, err
	}
	defer p.Close()
	ev := BinTransfer{From: 1, To: 2, Amount: 3}
	var n int64
	for deadline := time.Now().Add(d); ; {
		for range 256 {
			ev.From = int32(n)
			if _, err := p.Handle(ctx, ev); err != nil {
				return n, err
			}
			n++
		}
		if time.Now().After(deadline) {
			break
		}
	}
	if got := p.State().Transfers; got != n {
		return n, fmt.Errorf("counter is %d after %d events", got, n)
	}
	return n, p.Close()
}

// loneRaw counts the 40-byte records written with one write(2) each in d.
func loneRaw(path string, d time.Duration) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	rec := make([]byte, loneRecordBytes)
	var n int64
	for deadline := time.Now().Add(d); ; {
		for range 256 {
			rec[0] = byte(n)
			if _, err := f.Write(rec); err != nil {
				return n, err
			}
			n++
		}
		if time.Now().After(deadline) {
			break
		}
	}
	return n, f.Close()
}

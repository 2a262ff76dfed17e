package suite

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"
)

type runner struct {
	o   Options
	res *Results
	log *slog.Logger
}

// Run runs every workload Options select, in the order of the report. A
// system or workload that fails is recorded in Results.Failures and the
// run goes on; only a cancelled ctx or invalid Options stop it.
func Run(ctx context.Context, opts Options) (*Results, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	r := &runner{o: o, res: &Results{Started: time.Now(), Options: o}, log: o.Logger}
	steps := []func(context.Context){
		func(ctx context.Context) { r.runTransfers(ctx, true) },
		func(ctx context.Context) { r.runTransfers(ctx, false) },
		r.runReads,
		r.runReplays,
		r.runSnapshots,
		r.runMemory,
		r.runAllocs,
		r.runLone,
		r.runS3,
		r.runS3Latency,
	}
	for _, step := range steps {
		step(ctx)
		if err := ctx.Err(); err != nil {
			return r.res, err
		}
	}
	r.res.Elapsed = time.Since(r.res.Started)
	return r.res, nil
}

func (r *runner) add(p Point) { r.res.Points = append(r.res.Points, p) }

func (r *runner) addTotal(c TotalCheck) { r.res.Totals = append(r.res.Totals, c) }

func (r *runner) fail(what string, err error) {
	msg := fmt.Sprintf("%s: %v", what, err)
	r.res.Failures = append(r.res.Failures, msg)
	r.log.Error("failed", "what", what, "err", err)
}

// profile starts a CPU profile of the point name if Options.ProfileDir is
// set; the returned function stops it.
func (r *runner) profile(name string) func() {
	if r.o.ProfileDir == "" {
		return func() {}
	}
	f, err := os.Create(profilePath(r.o.ProfileDir, name))
	if err != nil {
		r.log.Warn("cpu profile", "err", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		r.log.Warn("cpu profile", "err", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// profilePath names a profile file after a point: "durable/pebble/64"
// becomes "durable-pebble-64.pprof".
func profilePath(dir, name string) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' {
			return r
		}
		return '-'
	}, name)
	return filepath.Join(dir, clean+".pprof")
}

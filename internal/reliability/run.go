package reliability

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Config says how much of the harness Run runs. The zero value is the
// bounded run that CI does, about three minutes on a two-core machine.
type Config struct {
	Full       bool          // larger workloads, longer soak and fuzzing, many SIGKILL rounds
	KillRounds int           // SIGKILL rounds; 0: 24, or 1000 with Full
	Soak       time.Duration // soak test length; 0: 10s, or 2m with Full
	FuzzTime   time.Duration // per fuzz target; 0: 5s, or 1m with Full
	Dir        string        // the module's root; "": the one `go env GOMOD` names
	Go         string        // the go command; "": "go"
	Log        io.Writer     // progress; nil: silent
}

func (c Config) withDefaults(ctx context.Context) (Config, error) {
	pick := func(bounded, full time.Duration) time.Duration {
		if c.Full {
			return full
		}
		return bounded
	}
	if c.KillRounds <= 0 {
		c.KillRounds = 24
		if c.Full {
			c.KillRounds = 1000
		}
	}
	if c.Soak <= 0 {
		c.Soak = pick(10*time.Second, 2*time.Minute)
	}
	if c.FuzzTime <= 0 {
		c.FuzzTime = pick(5*time.Second, time.Minute)
	}
	if c.Go == "" {
		c.Go = "go"
	}
	if c.Log == nil {
		c.Log = io.Discard
	}
	if c.Dir == "" {
		out, err := exec.CommandContext(ctx, c.Go, "env", "GOMOD").Output()
		gomod := strings.TrimSpace(string(out))
		if err != nil || gomod == "" || gomod == os.DevNull {
			return c, fmt.Errorf("reliability: run inside the module (go env GOMOD: %q, %v)", gomod, err)
		}
		c.Dir = filepath.Dir(gomod)
	}
	return c, nil
}

// Run runs the whole harness, one `go test` at a time, and returns a
// figure per row of the table. A step that fails without figures becomes
// a row with a wrong outcome, so the table never hides it. The error is
// for what stopped the run itself (ctx, no go command).
func Run(ctx context.Context, cfg Config) ([]Figure, error) {
	cfg, err := cfg.withDefaults(ctx)
	if err != nil {
		return nil, err
	}
	var figs []Figure
	for _, step := range []func(context.Context, Config) []Figure{harnessStep, sigkillStep, s3Step, journalStep, fuzzStep} {
		if err := ctx.Err(); err != nil {
			return figs, err
		}
		figs = append(figs, step(ctx, cfg)...)
	}
	return figs, ctx.Err()
}

// goTest runs `go test args...` in the module and returns its output and
// whether it passed.
func goTest(ctx context.Context, cfg Config, args ...string) (string, bool) {
	args = append([]string{"test"}, args...)
	fmt.Fprintf(cfg.Log, "== %s %s\n", cfg.Go, strings.Join(args, " "))
	start := time.Now()
	cmd := exec.CommandContext(ctx, cfg.Go, args...)
	cmd.Dir = cfg.Dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	fmt.Fprintf(cfg.Log, "   %s in %v\n", map[bool]string{true: "passed", false: "FAILED"}[err == nil], time.Since(start).Round(time.Second))
	if err != nil {
		fmt.Fprintln(cfg.Log, tail(out.String(), 15))
	}
	return out.String(), err == nil
}

// failed is the row of a step that produced no figures.
func failed(name, output string) Figure {
	return Figure{Name: name, Wrong: 1, Note: "the step failed: " + strings.ReplaceAll(tail(output, 3), "\n", " / ")}
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(ls[max(len(ls)-lines, 0):], "\n")
}

// withFailure makes sure a failed step shows as wrong in its figures.
func withFailure(figs []Figure, ok bool, name, output string) []Figure {
	if ok {
		return figs
	}
	lost, wrong := Totals(figs)
	if len(figs) == 0 || lost+wrong == 0 {
		figs = append(figs, failed(name, output))
	}
	return figs
}

// systemPkg holds the harness of the prevalent system on the local and
// memory stores; s3Pkg the S3 part.
const (
	systemPkg = "./internal/reliability/system"
	s3Pkg     = "./internal/reliability"
)

func harnessStep(ctx context.Context, cfg Config) []Figure {
	args := []string{"-count=1", "-timeout=60m", "-run=^TestHarness", "-v", systemPkg, "-args", "-soak=" + cfg.Soak.String()}
	if cfg.Full {
		args = append(args, "-harness-full")
	}
	out, ok := goTest(ctx, cfg, args...)
	return withFailure(Figures(out), ok, "crash and fault enumeration, flips, soak (internal/reliability/system TestHarness*)", out)
}

func sigkillStep(ctx context.Context, cfg Config) []Figure {
	out, ok := goTest(ctx, cfg, "-count=1", "-timeout=0", "-run=^TestSIGKILL$", "-v", systemPkg, "-args", fmt.Sprintf("-kill-rounds=%d", cfg.KillRounds))
	name := "SIGKILL rounds: a child writing Durable events killed at random moments, local store"
	rounds, events, found := ParseSIGKILL(out)
	if !ok || !found {
		return []Figure{failed(name, out)}
	}
	return []Figure{{Name: name, Count: rounds, Unit: "rounds", Acked: events, Note: "start-up, events and snapshots; every acknowledged event survived each kill"}}
}

func s3Step(ctx context.Context, cfg Config) []Figure {
	out, ok := goTest(ctx, cfg, "-count=1", "-timeout=30m", "-run=^TestS3(Faults|FencingUnderFaults)$", "-v", s3Pkg)
	return withFailure(Figures(out), ok, "S3 faults through the proxy (internal/reliability TestS3*)", out)
}

func journalStep(ctx context.Context, cfg Config) []Figure {
	out, ok := goTest(ctx, cfg, "-count=1", "-run=^(TestFlipEveryByte|TestTruncateAtEveryOffset)$", "-v", "./internal/journal")
	flips, flipFail := CountSubtests(out, "TestFlipEveryByte", 3)
	cuts, cutFail := CountSubtests(out, "TestTruncateAtEveryOffset", 3)
	figs := []Figure{
		{Name: "bytes flipped in small journals, read by the journal reader (internal/journal)", Count: flips + flipFail, Unit: "bytes flipped", Wrong: flipFail,
			Note: "each outcome exactly as predicted: corruption, or a torn write only where no later frame was synced"},
		{Name: "small journals cut at every offset, read by the journal reader (internal/journal)", Count: cuts + cutFail, Unit: "cuts", Wrong: cutFail},
	}
	if flips+cuts == 0 {
		return []Figure{failed("journal flips and cuts (internal/journal)", out)}
	}
	return withFailure(figs, ok, "journal flips and cuts (internal/journal)", out)
}

// fuzzStep runs every fuzz target of the module for FuzzTime.
func fuzzStep(ctx context.Context, cfg Config) []Figure {
	name := "fuzz executions, every FuzzXxx target"
	cmd := exec.CommandContext(ctx, cfg.Go, "list", "-f", "{{.ImportPath}}\t{{.Dir}}", "./...")
	cmd.Dir = cfg.Dir
	list, err := cmd.Output()
	if err != nil {
		return []Figure{failed(name, err.Error())}
	}
	total := Figure{Name: name, Unit: "executions"}
	var notes []string
	for _, line := range strings.Split(strings.TrimSpace(string(list)), "\n") {
		pkg, dir, _ := strings.Cut(line, "\t")
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			for _, target := range FuzzTargets(string(src)) {
				var out string
				var ok bool
				for try := 0; try < 2; try++ {
					out, ok = goTest(ctx, cfg, "-run=^$", "-fuzz=^"+target+"$", "-fuzztime="+cfg.FuzzTime.String(), pkg)
					if ok || !FuzzDeadlineFlake(out) {
						break
					}
					fmt.Fprintln(cfg.Log, "   the fuzzing coordinator's deadline race, no failing input: once more")
				}
				execs, _ := ParseFuzzExecs(out)
				total.Count += execs
				short := strings.TrimPrefix(pkg, "github.com/prevayler-go/prevayler/")
				switch {
				case ok:
					notes = append(notes, fmt.Sprintf("%s %s %d", short, target, execs))
				case FuzzDeadlineFlake(out):
					notes = append(notes, fmt.Sprintf("%s %s %d (ended by the fuzzing coordinator's deadline race twice, no failing input)", short, target, execs))
				default:
					total.Wrong++
					notes = append(notes, fmt.Sprintf("%s %s FAILED", short, target))
				}
			}
		}
	}
	total.Note = fmt.Sprintf("%d targets, %v each: %s", len(notes), cfg.FuzzTime, strings.Join(notes, ", "))
	return []Figure{total}
}

package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// progressInterval is how often a meter prints a line.
var progressInterval = time.Second

// isTerminal reports whether w is a terminal, where progress lines help; a
// pipe or a file would only collect them.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// meter follows one long operation: the bytes and events done so far. On
// a terminal it prints a line to stderr every progressInterval until Stop.
type meter struct {
	label  string
	total  int64 // bytes expected; 0 when unknown
	start  time.Time
	bytes  atomic.Int64
	events atomic.Int64

	out      io.Writer
	stop     chan struct{} // nil: no progress lines
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// meter starts following an operation on total bytes (0: unknown).
func (c *cli) meter(label string, total int64) *meter {
	m := &meter{label: label, total: total, start: time.Now()}
	if !c.progress {
		return m
	}
	m.out, m.stop = c.stderr, make(chan struct{})
	m.wg.Add(1)
	go m.loop()
	return m
}

func (m *meter) loop() {
	defer m.wg.Done()
	t := time.NewTicker(progressInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			fmt.Fprintln(m.out, m.line())
		case <-m.stop:
			return
		}
	}
}

// Stop ends the progress lines. It is safe to call twice.
func (m *meter) Stop() {
	if m.stop == nil {
		return
	}
	m.stopOnce.Do(func() { close(m.stop) })
	m.wg.Wait()
}

// line describes the progress so far.
func (m *meter) line() string {
	done := m.bytes.Load()
	elapsed := time.Since(m.start)
	s := m.label + ": " + humanBytes(done)
	if m.total > 0 {
		s += fmt.Sprintf(" of %s (%.0f%%)", humanBytes(m.total), 100*float64(done)/float64(m.total))
	}
	if n := m.events.Load(); n > 0 {
		s += fmt.Sprintf(", %d events", n)
	}
	if secs := elapsed.Seconds(); secs > 0 {
		rate := float64(done) / secs
		s += fmt.Sprintf(", %s/s", humanBytes(int64(rate)))
		if m.total > done && rate > 0 {
			left := time.Duration(float64(m.total-done) / rate * float64(time.Second))
			s += fmt.Sprintf(", %v left", left.Round(time.Second))
		}
	}
	return s
}

// reader counts the bytes read through r.
func (m *meter) reader(r io.Reader) io.Reader { return &countingReader{r: r, m: m} }

type countingReader struct {
	r io.Reader
	m *meter
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.m.bytes.Add(int64(n))
	return n, err
}

// humanBytes formats n bytes for people: "512 B", "3.4 MiB".
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}

package prevayler

import (
	"io"
	"log/slog"
	"sync/atomic"
	"time"
)

// progressEvery is how often a long recovery reports its progress.
const progressEvery = 2 * time.Second

// progress logs how a long replay advances: events, megabytes, speed and
// the time left, estimated from the file's size.
type progress struct {
	log   *slog.Logger
	label string
	size  int64
	read  *countingReader
	start time.Time
	next  time.Time
}

func newProgress(log *slog.Logger, label string, size int64, read *countingReader) *progress {
	now := time.Now()
	return &progress{log: log, label: label, size: size, read: read, start: now, next: now.Add(progressEvery)}
}

func (pr *progress) maybeLog(events uint64) {
	now := time.Now()
	if now.Before(pr.next) {
		return
	}
	pr.next = now.Add(progressEvery)
	elapsed := now.Sub(pr.start).Seconds()
	done := pr.read.n.Load()
	rate := float64(done) / elapsed
	attrs := []any{"file", pr.label, "events", events, "mb", done >> 20, "mb_per_s", int64(rate) >> 20}
	if pr.size > done && rate > 0 {
		attrs = append(attrs, "left", time.Duration(float64(pr.size-done)/rate*float64(time.Second)).Round(time.Second))
	}
	pr.log.Info("prevayler: replaying journal", attrs...)
}

// countingReader counts the bytes read through it; the count may be read
// from another goroutine.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

package uploader

import (
	"context"
	"fmt"
	"time"
)

// run is the uploader's goroutine: it waits until the pending bytes are due,
// takes all of them as the next segment, and stores it, retrying until it
// succeeds. Bytes appended meanwhile form the segment after it.
func (u *Uploader) run() {
	defer close(u.exited)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		u.mu.Lock()
		if u.fatal != nil || (u.closing && len(u.pending) == 0) {
			u.wake()
			u.mu.Unlock()
			return
		}
		due, delay := u.due(time.Now())
		if !due {
			var fire <-chan time.Time
			if delay > 0 {
				timer.Reset(delay)
				fire = timer.C
			}
			u.mu.Unlock()
			select {
			case <-u.kick:
			case <-fire:
			}
			timer.Stop()
			continue
		}
		data, seq, oldest := u.pending, u.seq, u.pendingSince
		u.pending = nil
		u.inflight, u.inflightAt = len(data), u.pendingSince
		u.inflightApp, u.pendingApp = u.pendingApp, 0
		u.mu.Unlock()

		if err := u.upload(seq, data, oldest); err != nil {
			u.mu.Lock()
			if u.fatal == nil {
				u.fatal = err
			}
			u.inflight = 0
			u.pending = append(data, u.pending...)
			u.pendingApp += u.inflightApp
			u.wake()
			u.mu.Unlock()
			u.log.Error("uploader: stopped: the data not yet stored is lost unless a retry of the caller's stores it again", "segment", seq, "err", err)
			continue
		}
		u.mu.Lock()
		u.stored += uint64(len(data))
		u.storedApp += u.inflightApp
		u.inflight = 0
		u.seq++
		u.failures, u.lastErr = 0, nil
		u.stats.Segments++
		u.stats.Bytes += uint64(len(data))
		if cap(data) <= 2*u.flushSize {
			u.spare = data[:0]
		}
		u.wake()
		u.mu.Unlock()
	}
}

// due reports whether the pending bytes should be uploaded now, and if
// not, how long until they should (0: nothing pending). Called with mu held.
func (u *Uploader) due(now time.Time) (bool, time.Duration) {
	if len(u.pending) == 0 {
		return false, 0
	}
	if u.closing || u.syncTarget > u.stored || len(u.pending) >= u.flushSize {
		return true, 0
	}
	left := u.pendingSince.Add(u.sleep).Sub(now)
	if left <= 0 {
		return true, 0
	}
	return false, left
}

// upload stores one segment, retrying with backoff. It returns nil once
// stored, or the error that ends the uploader: a permanent one, any
// failure once the oldest byte (appended at oldest) is FailAfter old, any
// failure after Retry.Attempts in a row while closing, or CloseContext's
// deadline.
func (u *Uploader) upload(seq uint64, data []byte, oldest time.Time) error {
	giveUp := oldest.Add(u.failAfter)
	for {
		start := time.Now()
		// An attempt may not outlast the give-up time by more than
		// FailAfter, so that a hanging server fails the uploader about as
		// soon as a refusing one does, while a slow but working upload
		// still gets FailAfter whatever the age of its bytes.
		timeout := min(u.retry.Timeout, max(time.Until(giveUp), u.failAfter))
		ctx, cancel := context.WithTimeout(u.base, timeout)
		err := u.put(ctx, seq, data)
		cancel()
		took := time.Since(start)
		if err == nil {
			u.mu.Lock()
			u.stats.PutTime += took
			u.mu.Unlock()
			u.log.Debug("uploader: stored", "segment", seq, "bytes", len(data), "took", took)
			return nil
		}

		u.mu.Lock()
		u.stats.Failures++
		u.failures++
		u.lastErr = err
		failures, closing := u.failures, u.closing
		u.wake()
		u.mu.Unlock()
		switch {
		case u.base.Err() != nil:
			return fmt.Errorf("uploader: closing: segment %d abandoned: %w", seq, err)
		case IsPermanent(err):
			return fmt.Errorf("uploader: segment %d: %w", seq, err)
		case closing && failures >= u.retry.Attempts:
			return fmt.Errorf("uploader: closing: segment %d failed %d times: %w", seq, failures, err)
		case !time.Now().Before(giveUp):
			return fmt.Errorf("uploader: segment %d still failing after %d attempts, its oldest byte %v old (FailAfter %v): %w",
				seq, failures, time.Since(oldest).Round(time.Millisecond), u.failAfter, err)
		}
		pause := min(u.retry.Backoff(failures), max(time.Until(giveUp), 0))
		u.log.Warn("uploader: upload failed, will retry", "segment", seq, "bytes", len(data),
			"failures", failures, "retry_in", pause, "err", err)
		u.sleepOrClose(pause)
	}
}

// sleepOrClose pauses before a retry. Close cuts the pause short so that
// a closing uploader reaches its last attempts without waiting out the
// longest backoffs.
func (u *Uploader) sleepOrClose(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		u.mu.Lock()
		closing, ch := u.closing, u.changed
		u.mu.Unlock()
		if closing {
			// Still pause a little: a server that is shedding load needs it.
			d = min(d, u.retry.MinDelay)
			t.Reset(d)
			select {
			case <-t.C:
			case <-u.base.Done():
			}
			return
		}
		select {
		case <-t.C:
			return
		case <-ch:
		case <-u.base.Done():
			return
		}
	}
}

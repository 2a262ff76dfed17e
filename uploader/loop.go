package uploader

import (
	"context"
	"fmt"
	"time"
)

// run is the uploader's goroutine: it waits until the pending bytes are
// due and a slot is free, takes all of them as the next segment, and
// hands it to an upload goroutine, which retries until it is stored.
// Bytes appended meanwhile form the segments after it. Once closing with
// nothing left, or failed for good, it waits for the uploads still in
// flight and returns.
func (u *Uploader) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		u.mu.Lock()
		if u.fatal != nil || (u.closing && len(u.pending) == 0 && len(u.flight) == 0) {
			failed := u.fatal != nil
			u.mu.Unlock()
			if failed {
				u.abort() // nothing more will be acknowledged: end the attempts in flight
			}
			break
		}
		due, delay := u.due(time.Now())
		if due {
			u.startLocked()
			u.mu.Unlock()
			continue
		}
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
	}
	u.flying.Wait()
	u.mu.Lock()
	u.wake()
	u.mu.Unlock()
	close(u.exited)
}

// due reports whether the pending bytes should start their upload now,
// and if not, how long until they should (0: until something changes).
// Called with mu held.
func (u *Uploader) due(now time.Time) (bool, time.Duration) {
	if len(u.pending) == 0 || len(u.flight) >= u.maxInflight {
		return false, 0 // an Append or a finished upload kicks the loop
	}
	full := len(u.pending) >= u.flushSize
	if !u.closing && !full && u.syncTarget <= u.cut {
		if left := u.pendingSince.Add(u.sleep).Sub(now); left > 0 {
			return false, left
		}
	}
	// Pacing: uploads started together would also end together, and the
	// callers they acknowledge would come back together to one upload.
	if len(u.flight) > 0 && !u.closing && !full {
		if left := u.lastStart.Add(u.putTime / time.Duration(u.maxInflight)).Sub(now); left > 0 {
			return false, left
		}
	}
	return true, 0
}

// startLocked makes the pending bytes the next segment and starts its
// upload. Called with mu held.
func (u *Uploader) startLocked() {
	f := &flight{seq: u.seq, data: u.pending, apps: u.pendingApp, oldest: u.pendingSince}
	u.pending, u.pendingApp = nil, 0
	u.cut += uint64(len(f.data))
	u.seq++
	if len(u.flight) > 0 {
		u.stats.Overlapped++
	}
	u.flight = append(u.flight, f)
	u.lastStart = time.Now()
	u.flying.Add(1)
	go u.fly(f)
}

// fly uploads one segment and commits every stored segment that no
// missing one precedes.
func (u *Uploader) fly(f *flight) {
	defer u.flying.Done()
	err := u.upload(f)
	u.mu.Lock()
	if err != nil {
		if u.fatal == nil {
			u.fatal = err
		}
		u.wake()
		u.mu.Unlock()
		u.log.Error("uploader: stopped: the data not yet stored is lost unless a retry of the caller's stores it again", "segment", f.seq, "err", err)
		return
	}
	f.stored = true
	n := 0
	for n < len(u.flight) && u.flight[n].stored {
		g := u.flight[n]
		u.stored += uint64(len(g.data))
		u.storedApp += g.apps
		u.stats.Segments++
		u.stats.Bytes += uint64(len(g.data))
		n++
	}
	done := u.flight[:n:n]
	u.flight = u.flight[n:]
	if u.onCommit != nil {
		u.committed = append(u.committed, done...)
	} else {
		u.recycleLocked(done)
	}
	notify := u.onCommit != nil && n > 0
	if !notify {
		u.wake()
	}
	u.mu.Unlock()
	if notify {
		u.notify()
	}
}

// notify gives the committed segments to OnCommit in order, then wakes
// the waiters: a Sync returns only once OnCommit has seen its bytes.
func (u *Uploader) notify() {
	u.notifyMu.Lock()
	defer u.notifyMu.Unlock()
	for {
		u.mu.Lock()
		q := u.committed
		u.committed = nil
		if len(q) == 0 {
			u.wake()
			u.mu.Unlock()
			return
		}
		u.mu.Unlock()
		for _, f := range q {
			u.onCommit(f.seq, f.data)
		}
		u.mu.Lock()
		u.recycleLocked(q)
		u.mu.Unlock()
	}
}

// recycleLocked keeps one stored segment's buffer for the pending bytes,
// if it is not too large. Called with mu held.
func (u *Uploader) recycleLocked(done []*flight) {
	for _, f := range done {
		if u.spare == nil && cap(f.data) <= 2*u.flushSize {
			u.spare = f.data[:0]
		}
		f.data = nil
	}
}

// upload stores one segment, retrying with backoff. It returns nil once
// stored, or the error that ends the uploader: a permanent one, any
// failure once the segment's oldest byte is FailAfter old, any failure
// after Retry.Attempts in a row while closing, or CloseContext's deadline.
func (u *Uploader) upload(f *flight) error {
	giveUp := f.oldest.Add(u.failAfter)
	for {
		start := time.Now()
		// An attempt may not outlast the give-up time by more than
		// FailAfter, so that a hanging server fails the uploader about as
		// soon as a refusing one does, while a slow but working upload
		// still gets FailAfter whatever the age of its bytes.
		timeout := min(u.retry.Timeout, max(time.Until(giveUp), u.failAfter))
		ctx, cancel := context.WithTimeout(u.base, timeout)
		err := u.put(ctx, f.seq, f.data)
		cancel()
		took := time.Since(start)
		if err == nil {
			u.mu.Lock()
			u.stats.PutTime += took
			if u.putTime == 0 {
				u.putTime = took
			} else {
				u.putTime += (took - u.putTime) / 8
			}
			u.mu.Unlock()
			u.log.Debug("uploader: stored", "segment", f.seq, "bytes", len(f.data), "took", took)
			return nil
		}

		u.mu.Lock()
		u.stats.Failures++
		f.failures++
		f.lastErr = err
		failures, closing := f.failures, u.closing
		u.wake()
		u.mu.Unlock()
		switch {
		case u.base.Err() != nil:
			return fmt.Errorf("uploader: closing: segment %d abandoned: %w", f.seq, err)
		case IsPermanent(err):
			return fmt.Errorf("uploader: segment %d: %w", f.seq, err)
		case closing && failures >= u.retry.Attempts:
			return fmt.Errorf("uploader: closing: segment %d failed %d times: %w", f.seq, failures, err)
		case !time.Now().Before(giveUp):
			return fmt.Errorf("uploader: segment %d still failing after %d attempts, its oldest byte %v old (FailAfter %v): %w",
				f.seq, failures, time.Since(f.oldest).Round(time.Millisecond), u.failAfter, err)
		}
		pause := min(u.retry.Backoff(failures), max(time.Until(giveUp), 0))
		u.log.Warn("uploader: upload failed, will retry", "segment", f.seq, "bytes", len(f.data),
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

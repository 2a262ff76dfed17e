package prevayler

import (
	"context"
	"slices"
	"sync"
)

// pruner removes old archives in the background, so that Open and
// Snapshot return without waiting for the store's deletes (about five
// requests on S3). The newest request wins: a snapshot taken while a
// prune runs asks for another, which also retries what failed.
type pruner struct {
	mu      sync.Mutex
	pending bool
	needed  []string // copy of the live journal's continued archives at the request
	kick    chan struct{}
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// schedulePrune asks the pruner for a pass; needed is copied.
func (p *Prevayler[S, E, R]) schedulePrune() {
	if !p.policy.prunes() {
		return
	}
	pr := &p.prune
	pr.mu.Lock()
	pr.pending, pr.needed = true, slices.Clone(p.needed)
	pr.mu.Unlock()
	if pr.kick != nil {
		select {
		case pr.kick <- struct{}{}:
		default:
		}
	}
}

// startPruner starts the goroutine; a pass asked for before it starts
// (by the start-up) runs at once.
func (p *Prevayler[S, E, R]) startPruner() {
	if !p.policy.prunes() {
		return
	}
	pr := &p.prune
	ctx, cancel := context.WithCancel(context.Background())
	pr.cancel = cancel
	pr.kick = make(chan struct{}, 1)
	pr.kick <- struct{}{}
	pr.done.Add(1)
	go func() {
		defer pr.done.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case <-pr.kick:
			}
			pr.mu.Lock()
			run, needed := pr.pending, pr.needed
			pr.pending = false
			pr.mu.Unlock()
			if run {
				p.pruneArchives(ctx, needed)
			}
		}
	}()
}

// stopPruner cancels a running pass and waits for it: the store's Remove
// is expected to honour its context.
func (p *Prevayler[S, E, R]) stopPruner() {
	if p.prune.cancel == nil {
		return
	}
	p.prune.cancel()
	p.prune.done.Wait()
}

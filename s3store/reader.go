package s3store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// Open streams name's bytes: it reads the marker, lists the generation,
// and downloads up to Options.Concurrency of its objects at once, handing
// them out in order. An object that disappears while it is read (the
// writer merged it into a larger one) sends the reader back to the
// marker: the same generation is listed again and the read goes on where
// it was; a marker that names another generation, or none, means the file
// was replaced or removed meanwhile (store.ErrNotExist). A missing
// segment, one whose size or CRC differs from what its writer stored, or
// a sealed generation whose objects do not add up to its seal, is
// store.ErrCorrupt.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := s.begin(ctx, fmt.Sprintf("open %q", name), false, name); err != nil {
		return nil, err
	}
	o, c, err := s.openCover(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("s3store: open %q: %w", name, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{s: s, ctx: ctx, cancel: cancel, name: name, gen: o.m.Gen}
	r.start(c, 0)
	return r, nil
}

// openCover reads name's marker and lists its generation.
func (s *Store) openCover(ctx context.Context, name string) (markerObj, cover, error) {
	o, err := s.getMarker(ctx, name)
	if err != nil {
		return o, cover{}, err
	}
	if o.present() && name == store.Backup {
		// A superseded Backup does not exist, as List says.
		gone, err := s.backupSuperseded(ctx, o)
		if err != nil {
			return o, cover{}, err
		}
		if gone {
			o = markerObj{}
		}
	}
	if !o.present() {
		return o, cover{}, store.ErrNotExist
	}
	s.noteMarker(o)
	c, ok := s.takeListed(o.m.Gen)
	if !ok {
		c, err = s.listCover(ctx, o.m.Gen)
	}
	if err == nil && len(c.shadowed) > 0 && s.mutable() == nil {
		// Only the writer deletes: a reader without the lock writes nothing.
		s.dropShadowed(ctx, o.m.Gen, c)
	}
	if err == nil {
		c, err = c.check(o.m.Gen, o.m)
	}
	return o, c, err
}

// maxRelists bounds how often one read goes back to the marker after
// objects disappeared under it.
const maxRelists = 5

// errMissing: an object of the cover is gone.
var errMissing = errors.New("object missing")

// fetched is one downloaded object, or why it could not be.
type fetched struct {
	data []byte
	err  error
	slot bool // it held a download slot, to be given back
}

// reader hands out a generation's bytes in order while the next objects
// download. Memory is bounded by Concurrency objects.
type reader struct {
	s      *Store
	ctx    context.Context
	cancel context.CancelFunc
	name   string
	gen    string
	off    int64  // bytes handed out
	cur    []byte // unread bytes of the current object
	err    error  // sticky error
	relist int
	run    *fetchRun
	closeO sync.Once
}

// fetchRun downloads the objects of a cover from one of them on, in
// order, Concurrency at a time.
type fetchRun struct {
	cancel context.CancelFunc
	done   chan struct{}  // closed when the dispatcher has returned
	slots  chan struct{}  // one token per object downloading or waiting to be read
	result []chan fetched // one per object, buffered
	next   int
	skip   int64 // bytes of the first object already handed out
	wg     sync.WaitGroup
}

// start begins downloading c's objects from the one holding byte off.
func (r *reader) start(c cover, off int64) {
	from, skip := len(c.pieces), int64(0)
	var at int64
	for i, p := range c.pieces {
		if off < at+p.size {
			from, skip = i, off-at
			break
		}
		at += p.size
	}
	pieces := c.pieces[from:]
	ctx, cancel := context.WithCancel(r.ctx)
	run := &fetchRun{
		cancel: cancel,
		done:   make(chan struct{}),
		slots:  make(chan struct{}, r.s.opts.Concurrency),
		result: make([]chan fetched, len(pieces)),
		skip:   skip,
	}
	for i := range run.result {
		run.result[i] = make(chan fetched, 1)
	}
	go func() {
		defer close(run.done)
		for i, p := range pieces {
			select {
			case run.slots <- struct{}{}:
			case <-ctx.Done():
				// Whatever was not started fails, so Read never waits for it.
				for _, ch := range run.result[i:] {
					ch <- fetched{err: ctx.Err()}
				}
				return
			}
			run.wg.Add(1)
			go func() {
				defer run.wg.Done()
				data, err := r.s.fetchPiece(ctx, r.gen, p)
				run.result[i] <- fetched{data: data, err: err, slot: true}
			}()
		}
	}()
	r.run = run
}

// stop ends the current run and waits for its downloads.
func (run *fetchRun) stop() {
	run.cancel()
	<-run.done
	run.wg.Wait()
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		run := r.run
		if run.next == len(run.result) {
			r.err = io.EOF
			continue
		}
		f := <-run.result[run.next]
		if f.slot {
			<-run.slots
		}
		run.next++
		switch {
		case errors.Is(f.err, errMissing):
			if err := r.resume(f.err); err != nil {
				r.err = fmt.Errorf("s3store: read %q: %w", r.name, err)
			}
			continue
		case f.err != nil:
			r.err = fmt.Errorf("s3store: read %q: %w", r.name, f.err)
			continue
		}
		r.cur = f.data
		if run.skip > 0 {
			r.cur, run.skip = r.cur[min(run.skip, int64(len(r.cur))):], 0
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.off += int64(n)
	return n, nil
}

// resume goes back to the marker after an object disappeared: the same
// generation is listed again and the read goes on at the same byte.
func (r *reader) resume(missing error) error {
	r.run.stop()
	if r.relist++; r.relist > maxRelists {
		return fmt.Errorf("%w: %w", missing, store.ErrCorrupt)
	}
	o, c, err := r.s.openCover(r.ctx, r.name)
	switch {
	case errors.Is(err, store.ErrNotExist) || (err == nil && o.m.Gen != r.gen):
		return fmt.Errorf("the file was removed or replaced while it was read (%w): %w", missing, store.ErrNotExist)
	case err != nil:
		return err
	case c.size < r.off:
		return fmt.Errorf("%w, and generation %s now holds %d bytes, %d were read: %w", missing, r.gen, c.size, r.off, store.ErrCorrupt)
	}
	r.s.log.Debug("s3store: an object disappeared while read; listed again", "file", r.name, "generation", r.gen, "offset", r.off)
	r.start(c, r.off)
	return nil
}

// Close stops the downloads and waits for them.
func (r *reader) Close() error {
	r.closeO.Do(func() {
		r.cancel()
		r.run.stop()
		if r.err == nil {
			r.err = fmt.Errorf("s3store: read %q: %w", r.name, store.ErrClosed)
		}
	})
	return nil
}

// fetchPiece downloads one object and checks it against its listing and
// the CRC its writer stored. A missing object is errMissing.
func (s *Store) fetchPiece(ctx context.Context, gen string, p piece) ([]byte, error) {
	key := s.pieceKey(gen, p)
	var data []byte
	err := s.do(ctx, "get segment", func(ctx context.Context) error {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: &key})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		data, err = io.ReadAll(io.LimitReader(out.Body, p.size+1))
		if err != nil {
			return err
		}
		if int64(len(data)) != p.size {
			return fmt.Errorf("segment %s has %d bytes, listed with %d: %w", key, len(data), p.size, store.ErrCorrupt)
		}
		if want := metaGet(out.Metadata, metaCRC); want != "" && want != crcHex(data) {
			return fmt.Errorf("segment %s fails its CRC: %w", key, store.ErrCorrupt)
		}
		return nil
	})
	if isNotFound(err) {
		return nil, fmt.Errorf("segment %s disappeared: %w", key, errMissing)
	}
	return data, err
}

package s3store

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/store"
)

// Open streams name's bytes: it reads the marker, lists the generation's
// segments, and downloads up to Options.Concurrency of them at once,
// handing them out in order. A missing segment, one whose size or CRC
// differs from what its writer stored, or one that disappears is
// store.ErrCorrupt.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := s.begin(ctx, fmt.Sprintf("open %q", name), false, name); err != nil {
		return nil, err
	}
	o, err := s.getMarker(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("s3store: open %q: %w", name, err)
	}
	if o.present() && name == store.Backup {
		// A superseded Backup does not exist, as List says.
		gone, err := s.backupSuperseded(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("s3store: open %q: %w", name, err)
		}
		if gone {
			o = markerObj{}
		}
	}
	if !o.present() {
		return nil, fmt.Errorf("s3store: open %q: %w", name, store.ErrNotExist)
	}
	segs, _, err := s.listSegments(ctx, o.m.Gen, 0)
	if err != nil {
		return nil, fmt.Errorf("s3store: open %q: %w", name, err)
	}
	return s.newReader(ctx, name, o.m.Gen, segs), nil
}

// fetched is one downloaded segment, or why it could not be.
type fetched struct {
	data []byte
	err  error
	slot bool // it held a download slot, to be given back
}

// reader hands out segments in order while a window of the next ones
// downloads. Memory is bounded by Concurrency segments.
type reader struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}  // closed when the dispatcher has returned
	slots  chan struct{}  // one token per segment downloading or waiting to be read
	result []chan fetched // one per segment, buffered
	next   int            // the segment being read
	cur    []byte         // unread bytes of it
	err    error          // sticky error
	wg     sync.WaitGroup // downloads
	closeO sync.Once
}

func (s *Store) newReader(ctx context.Context, name, gen string, segs []segment) *reader {
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{
		name:   name,
		cancel: cancel,
		done:   make(chan struct{}),
		slots:  make(chan struct{}, s.opts.Concurrency),
		result: make([]chan fetched, len(segs)),
	}
	for i := range r.result {
		r.result[i] = make(chan fetched, 1)
	}
	go func() {
		defer close(r.done)
		for i, sg := range segs {
			select {
			case r.slots <- struct{}{}:
			case <-ctx.Done():
				// Whatever was not started fails, so Read never waits for it.
				for _, ch := range r.result[i:] {
					ch <- fetched{err: ctx.Err()}
				}
				return
			}
			r.wg.Add(1)
			go func() {
				defer r.wg.Done()
				data, err := s.fetchSegment(ctx, gen, sg)
				r.result[i] <- fetched{data: data, err: err, slot: true}
			}()
		}
	}()
	return r
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.next == len(r.result) {
			r.err = io.EOF
			continue
		}
		f := <-r.result[r.next]
		if f.slot {
			<-r.slots
		}
		r.next++
		if f.err != nil {
			r.err = fmt.Errorf("s3store: read %q: %w", r.name, f.err)
			continue
		}
		r.cur = f.data
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// Close stops the downloads and waits for them.
func (r *reader) Close() error {
	r.closeO.Do(func() {
		r.cancel()
		<-r.done
		r.wg.Wait()
		if r.err == nil {
			r.err = fmt.Errorf("s3store: read %q: %w", r.name, store.ErrClosed)
		}
	})
	return nil
}

// fetchSegment downloads one segment and checks it against its listing
// and the CRC its writer stored.
func (s *Store) fetchSegment(ctx context.Context, gen string, sg segment) ([]byte, error) {
	key := s.segKey(gen, sg.seq)
	var data []byte
	err := s.do(ctx, "get segment", func(ctx context.Context) error {
		out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.opts.Bucket, Key: &key})
		if err != nil {
			return err
		}
		defer out.Body.Close()
		data, err = io.ReadAll(io.LimitReader(out.Body, sg.size+1))
		if err != nil {
			return err
		}
		if int64(len(data)) != sg.size {
			return fmt.Errorf("segment %s has %d bytes, listed with %d: %w", key, len(data), sg.size, store.ErrCorrupt)
		}
		if want := metaGet(out.Metadata, metaCRC); want != "" && want != crcHex(data) {
			return fmt.Errorf("segment %s fails its CRC: %w", key, store.ErrCorrupt)
		}
		return nil
	})
	if isNotFound(err) {
		return nil, fmt.Errorf("segment %s disappeared: %w", key, store.ErrCorrupt)
	}
	return data, err
}

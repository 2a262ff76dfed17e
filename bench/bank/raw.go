package bank

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// The raw probes measure the disk, not a store: a transfer is a 24-byte
// record (from, to, amount) appended to a file, and the balances live in
// memory. Total replays the file from disk, so a lost record shows.
const recordSize = 24

type rawFile struct {
	path     string
	f        *os.File
	initial  int64
	balances []int64
	// A preallocated file: space reserved ahead of the writes, in steps of
	// step bytes, written at the descriptor's offset; 0: appending.
	step, written, end int64
}

// rawPreallocStep is the library's default preallocation
// (localstore.DefaultPreallocate), so the probe measures what it could
// reach.
const rawPreallocStep = 16 << 20

func openRawFile(cfg Config) (*rawFile, error) { return openRawFileStep(cfg, 0) }

// openRawFileStep opens the records file; step > 0 preallocates it.
func openRawFileStep(cfg Config, step int64) (*rawFile, error) {
	if err := cfg.valid(); err != nil {
		return nil, err
	}
	path := filepath.Join(cfg.Dir, "records")
	flag := os.O_WRONLY | os.O_CREATE | os.O_EXCL | os.O_APPEND
	if step > 0 {
		flag &^= os.O_APPEND // appends would land past the reserve
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if err != nil {
		return nil, fmt.Errorf("bank: raw probe: %w", err)
	}
	b := make([]int64, cfg.Accounts)
	for i := range b {
		b[i] = cfg.Initial
	}
	return &rawFile{path: path, f: f, initial: cfg.Initial, balances: b, step: step}, nil
}

// write writes p at the end of the records, first reserving the next step
// of a preallocated file (fallocate mode 0: zero-filled, counted in the
// size).
func (r *rawFile) write(p []byte) error {
	if r.step > 0 && r.written+int64(len(p)) > r.end {
		if err := fallocate(r.f, r.end, r.step); err != nil {
			return fmt.Errorf("bank: raw probe: fallocate: %w", err)
		}
		r.end += r.step
	}
	n, err := r.f.Write(p)
	r.written += int64(n)
	return err
}

// close cuts a preallocated file back to its records, syncs and closes.
func (r *rawFile) close() error {
	var err error
	if r.end > r.written {
		err = r.f.Truncate(r.written)
	}
	if serr := r.f.Sync(); err == nil {
		err = serr
	}
	if cerr := r.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// check validates a transfer against the balances and appends its record.
func (r *rawFile) check(dst []byte, from, to int, amount int64) ([]byte, error) {
	if from < 0 || from >= len(r.balances) || to < 0 || to >= len(r.balances) {
		return dst, fmt.Errorf("bank: raw probe: no account %d or %d", from, to)
	}
	if r.balances[from] < amount {
		return dst, fmt.Errorf("%w: account %d has %d, transfer of %d", ErrInsufficient, from, r.balances[from], amount)
	}
	dst = binary.LittleEndian.AppendUint64(dst, uint64(from))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(to))
	return binary.LittleEndian.AppendUint64(dst, uint64(amount)), nil
}

func (r *rawFile) apply(from, to int, amount int64) {
	r.balances[from] -= amount
	r.balances[to] += amount
}

// replayTotal sums the balances the records on disk lead to, and checks
// that they match the ones in memory.
func (r *rawFile) replayTotal() (int64, error) {
	data, err := os.ReadFile(r.path)
	if err != nil {
		return 0, fmt.Errorf("bank: raw probe: %w", err)
	}
	if r.step > 0 {
		data = data[:r.written] // the reserve after them is zeros
	}
	if len(data)%recordSize != 0 {
		return 0, fmt.Errorf("bank: raw probe: %d bytes on disk, not a whole number of records", len(data))
	}
	b := make([]int64, len(r.balances))
	for i := range b {
		b[i] = r.initial
	}
	for rec := data; len(rec) > 0; rec = rec[recordSize:] {
		from := binary.LittleEndian.Uint64(rec)
		to := binary.LittleEndian.Uint64(rec[8:])
		amount := int64(binary.LittleEndian.Uint64(rec[16:]))
		if from >= uint64(len(b)) || to >= uint64(len(b)) {
			return 0, fmt.Errorf("bank: raw probe: bad record at %d", len(data)-len(rec))
		}
		b[from] -= amount
		b[to] += amount
	}
	var t int64
	for i, v := range b {
		if v != r.balances[i] {
			return 0, fmt.Errorf("bank: raw probe: account %d is %d on disk, %d in memory", i, v, r.balances[i])
		}
		t += v
	}
	return t, nil
}

// rawSync appends one record per transfer and, when durable, calls
// fdatasync before acknowledging it, one transfer at a time: the cost of
// durability without group commit.
type rawSync struct {
	mu      sync.Mutex
	r       *rawFile
	durable bool
	buf     []byte
	closed  bool
}

// OpenRawSync opens the one-record-one-fdatasync probe.
func OpenRawSync(_ context.Context, cfg Config) (System, error) {
	r, err := openRawFile(cfg)
	if err != nil {
		return nil, err
	}
	return &rawSync{r: r, durable: cfg.Durable}, nil
}

// OpenRawSyncPrealloc opens the one-record-one-fdatasync probe on a file
// preallocated as the library's journal is (Linux): fdatasync then has no
// new size to record after each write.
func OpenRawSyncPrealloc(_ context.Context, cfg Config) (System, error) {
	r, err := openRawFileStep(cfg, rawPreallocStep)
	if err != nil {
		return nil, err
	}
	return &rawSync{r: r, durable: cfg.Durable}, nil
}

// Transfer writes the record and syncs it, holding the only lock.
func (s *rawSync) Transfer(_ context.Context, from, to int, amount int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf, err := s.r.check(s.buf[:0], from, to, amount)
	if err != nil {
		return err
	}
	s.buf = buf
	if err := s.r.write(buf); err != nil {
		return err
	}
	if s.durable {
		if err := syscall.Fdatasync(int(s.r.f.Fd())); err != nil {
			return err
		}
	}
	s.r.apply(from, to, amount)
	return nil
}

// Balance reads memory under the lock.
func (s *rawSync) Balance(_ context.Context, id int) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.balances[id], nil
}

// Total replays the records on disk.
func (s *rawSync) Total(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.r.replayTotal()
}

// Close syncs and closes the file. It is safe to call twice.
func (s *rawSync) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return s.r.close()
}

// rawGroup is the ideal group commit: transfers queue their records while
// one write and one fdatasync for everything queued is in flight, then the
// next batch goes. Nothing is encoded, framed or checksummed: no store can
// do a durable transfer for less.
type rawGroup struct {
	mu      sync.Mutex
	r       *rawFile
	pending bytes.Buffer
	cur     *rawBatch
	kick    chan struct{}
	stop    chan struct{}
	done    sync.WaitGroup
	failed  error

	closeOnce sync.Once
	closeErr  error
}

type rawBatch struct {
	done chan struct{}
	err  error
}

// OpenRawGroup opens the group-commit probe; it is always durable.
func OpenRawGroup(_ context.Context, cfg Config) (System, error) {
	r, err := openRawFile(cfg)
	if err != nil {
		return nil, err
	}
	g := &rawGroup{r: r, kick: make(chan struct{}, 1), stop: make(chan struct{})}
	g.done.Add(1)
	go g.loop()
	return g, nil
}

// Transfer queues the record and waits for the batch holding it.
func (g *rawGroup) Transfer(ctx context.Context, from, to int, amount int64) error {
	g.mu.Lock()
	if g.failed != nil {
		g.mu.Unlock()
		return g.failed
	}
	var rec [recordSize]byte
	if _, err := g.r.check(rec[:0], from, to, amount); err != nil {
		g.mu.Unlock()
		return err
	}
	g.pending.Write(rec[:])
	g.r.apply(from, to, amount)
	if g.cur == nil {
		g.cur = &rawBatch{done: make(chan struct{})}
	}
	b := g.cur
	g.mu.Unlock()
	select {
	case g.kick <- struct{}{}:
	default:
	}
	select {
	case <-b.done:
		return b.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (g *rawGroup) loop() {
	defer g.done.Done()
	var buf []byte
	for {
		select {
		case <-g.kick:
		case <-g.stop:
			return
		}
		for g.flush(&buf) {
		}
	}
}

// flush writes and syncs what is queued; it reports whether there was any.
func (g *rawGroup) flush(buf *[]byte) bool {
	g.mu.Lock()
	b := g.cur
	*buf = append((*buf)[:0], g.pending.Bytes()...)
	g.pending.Reset()
	g.cur = nil
	g.mu.Unlock()
	if b == nil {
		return false
	}
	err := g.r.write(*buf)
	if err == nil {
		err = syscall.Fdatasync(int(g.r.f.Fd()))
	}
	if err != nil {
		g.mu.Lock()
		g.failed = err
		g.mu.Unlock()
	}
	b.err = err
	close(b.done)
	return true
}

// Balance reads memory under the lock (it may show a queued transfer).
func (g *rawGroup) Balance(_ context.Context, id int) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.balances[id], nil
}

// Total replays the records on disk; call it when no transfer is running.
func (g *rawGroup) Total(context.Context) (int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.r.replayTotal()
}

// Close stops the committer and closes the file. It is safe to call twice.
func (g *rawGroup) Close() error {
	g.closeOnce.Do(func() { g.closeErr = g.close() })
	return g.closeErr
}

func (g *rawGroup) close() error {
	close(g.stop)
	g.done.Wait()
	var buf []byte
	g.flush(&buf)
	return g.r.close()
}

package s3store_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// gatedClient holds back the PUTs of chosen segment numbers until they are
// let go, as a writer frozen with its uploads on the wire: the request
// reaches the server only once released.
type gatedClient struct {
	s3store.Client
	mu      sync.Mutex
	gates   map[uint64]chan struct{}
	arrived chan uint64 // each held PUT, as it reaches its gate
}

func newGated(c s3store.Client) *gatedClient {
	return &gatedClient{Client: c, gates: map[uint64]chan struct{}{}, arrived: make(chan uint64, 64)}
}

func (g *gatedClient) hold(seqs ...uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range seqs {
		g.gates[n] = make(chan struct{})
	}
}

func (g *gatedClient) release(seq uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.gates[seq])
}

// segmentSeq returns the segment number of a segment key.
func segmentSeq(key string) (uint64, bool) {
	i := strings.LastIndex(key, "/")
	if !strings.Contains(key, ".g/") || len(key)-i-1 != 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(key[i+1:], 10, 64)
	return n, err == nil
}

func (g *gatedClient) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	if seq, ok := segmentSeq(aws.ToString(in.Key)); ok {
		g.mu.Lock()
		ch := g.gates[seq]
		g.mu.Unlock()
		if ch != nil {
			select {
			case g.arrived <- seq:
			default:
			}
			select {
			case <-ch:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return g.Client.PutObject(ctx, in, o...)
}

// waitSegment waits until the PUT of segment seq reached its gate.
func (g *gatedClient) waitSegment(t *testing.T, seq uint64) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case n := <-g.arrived:
			if n == seq {
				return
			}
		case <-timeout:
			t.Fatalf("the upload of segment %d never started", seq)
		}
	}
}

// TestFrozenPipelinedWriterAfterTakeover: a writer with several uploads
// in flight freezes; the later ones land, the first does not. Nothing
// after the missing segment is acknowledged or read (a torn tail), a
// reader meanwhile sees only what was acknowledged, and once another
// store has taken over, the frozen writer's uploads, landing at last,
// change nothing anyone reads and fail every Sync that waited for them.
func TestFrozenPipelinedWriterAfterTakeover(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()
	key := s3test.Key(t, client, bucket)
	o := options(bucket, key)
	o.SleepTime = time.Hour // only Syncs upload
	o.MaxInflight = 4
	gated := newGated(client)
	old := s3store.New(gated, o)
	defer old.Close()
	if err := old.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := old.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}

	// Segments 2, 3 and 4 go out together; 3 and 4 land, 2 hangs.
	gated.hold(2, 3, 4)
	syncs := make([]chan error, 0, 3)
	for i, rec := range []string{"b", "c", "d"} {
		if _, err := w.Write([]byte(rec)); err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		syncs = append(syncs, ch)
		go func() { ch <- w.Sync(ctx) }()
		gated.waitSegment(t, uint64(2+i))
	}
	gated.release(3)
	gated.release(4)
	waitObjects(t, client, bucket, key, 2) // segments 1, 3 and 4: two more than before
	for i, ch := range syncs {
		select {
		case err := <-ch:
			t.Fatalf("Sync %d returned %v while segment 2 is not stored", i, err)
		default:
		}
	}
	reader := s3store.New(client, o)
	if got := mustRead(t, reader, store.Journal); got != "a" {
		t.Errorf("a reader meanwhile reads %q, want the acknowledged %q", got, "a")
	}

	taker := s3store.New(client, o)
	defer taker.Close()
	if err := taker.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, taker, store.Journal); got != "a" {
		t.Fatalf("after the takeover the journal reads %q, want %q", got, "a")
	}

	// The frozen writer wakes: its segment 2 lands, or tries to.
	gated.release(2)
	for i, ch := range syncs {
		select {
		case err := <-ch:
			if err == nil {
				t.Errorf("Sync %d of the fenced writer succeeded", i)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("Sync %d of the fenced writer never returned", i)
		}
	}
	if err := w.Close(); err == nil {
		t.Error("Close of the fenced writer reported everything stored")
	}
	if got := mustRead(t, taker, store.Journal); got != "a" {
		t.Errorf("after the frozen writer woke the journal reads %q, want %q", got, "a")
	}
	later := s3store.New(client, o)
	defer later.Close()
	if err := later.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, later, store.Journal); got != "a" {
		t.Errorf("the next writer reads %q, want %q", got, "a")
	}
}

// waitObjects waits until the journal has more segment objects than it
// had, by at least n: the uploads let go reached the server.
func waitObjects(t *testing.T, client *s3.Client, bucket, key string, n int) {
	t.Helper()
	count := func() int {
		c := 0
		for _, k := range objectKeys(t, client, bucket, key+".g/") {
			if _, ok := segmentSeq(k); ok {
				c++
			}
		}
		return c
	}
	want := 1 + n
	for deadline := time.Now().Add(10 * time.Second); count() < want; {
		if time.Now().After(deadline) {
			t.Fatalf("%d segment objects, want %d", count(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

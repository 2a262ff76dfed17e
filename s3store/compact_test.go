package s3store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// TestCompaction: a writer merges its segments into fewer, larger
// objects as it goes, and every reader, then and later, reads the same
// bytes in order; the segments merged are deleted.
func TestCompaction(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fanIn    int
		segments int
		want     int // objects left in the generation
	}{
		{"fan-in 4", 4, 40, 4},     // 2 of 16 segments, 2 of 4
		{"fan-in 4, 21", 4, 21, 3}, // 16, 4, 1
		{"off", -1, 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, bucket, _ := s3test.Server(t)
			ctx := t.Context()
			key := s3test.Key(t, client, bucket)
			o := options(bucket, key)
			o.SleepTime = time.Hour
			o.MergeFanIn = tc.fanIn
			o.MergeDeleteDelay = time.Nanosecond
			s := s3store.New(client, o)
			defer s.Close()
			if err := s.Lock(ctx); err != nil {
				t.Fatal(err)
			}
			w, err := s.Create(ctx, store.Journal)
			if err != nil {
				t.Fatal(err)
			}
			var want strings.Builder
			for i := range tc.segments {
				rec := fmt.Sprintf("<%d>", i)
				want.WriteString(rec)
				if _, err := w.Write([]byte(rec)); err != nil {
					t.Fatal(err)
				}
				if err := w.Sync(ctx); err != nil {
					t.Fatal(err)
				}
				if got := mustRead(t, s, store.Journal); got != want.String() {
					t.Fatalf("after %d segments the journal reads %q, want %q", i+1, got, want.String())
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			var objs int
			for _, k := range objectKeys(t, client, bucket, key+".g/") {
				if !strings.HasSuffix(k, "/") {
					objs++
				}
			}
			if objs != tc.want {
				t.Errorf("%d objects in the generation, want %d", objs, tc.want)
			}
			later := s3store.New(client, o)
			defer later.Close()
			if err := later.Lock(ctx); err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, later, store.Journal); got != want.String() {
				t.Errorf("the next writer reads %q, want %q", got, want.String())
			}
		})
	}
}

// TestMergeKeepsSourcesForDelay: the objects a merge replaced stay for
// MergeDeleteDelay after the merged object was stored, then go while the
// writer is open; a Close before the delay leaves them, and the journal
// reads the same either way. Deleting them at once let a listing that
// raced the merge miss both the sources and the merged object, and a
// new writer then put its tombstone inside the merged range.
func TestMergeKeepsSourcesForDelay(t *testing.T) {
	for _, tc := range []struct {
		name       string
		delay      time.Duration
		wait       time.Duration // before counting, the writer open
		wantSingle int           // single-segment objects left
	}{
		{"kept before the delay", time.Hour, 50 * time.Millisecond, 8},
		{"deleted after it", 100 * time.Millisecond, 5 * time.Second, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, bucket, _ := s3test.Server(t)
			ctx := t.Context()
			key := s3test.Key(t, client, bucket)
			o := options(bucket, key)
			o.SleepTime = time.Hour
			o.MergeFanIn = 4
			o.MergeDeleteDelay = tc.delay
			s := s3store.New(client, o)
			defer s.Close()
			if err := s.Lock(ctx); err != nil {
				t.Fatal(err)
			}
			w, err := s.Create(ctx, store.Journal)
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			appendSynced(t, w, &all, 8)
			want := string(all)
			singles := func() (singles, merged int) {
				for _, k := range objectKeys(t, client, bucket, key+".g/") {
					base := k[strings.LastIndex(k, "/")+1:]
					switch {
					case base == "":
					case strings.Contains(base, "-"):
						merged++
					default:
						singles++
					}
				}
				return singles, merged
			}
			deadline := time.Now().Add(tc.wait)
			n, m := singles()
			for time.Now().Before(deadline) && (n != tc.wantSingle || m != 2) {
				time.Sleep(20 * time.Millisecond)
				n, m = singles()
			}
			if n != tc.wantSingle || m != 2 {
				t.Errorf("with the writer open: %d single and %d merged objects, want %d and 2", n, m, tc.wantSingle)
			}
			if got := mustRead(t, s, store.Journal); got != want {
				t.Errorf("the journal reads %q, want %q", got, want)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if n, _ := singles(); n != tc.wantSingle {
				t.Errorf("after Close: %d single objects, want %d", n, tc.wantSingle)
			}
			later := s3store.New(client, o)
			defer later.Close()
			if err := later.Lock(ctx); err != nil {
				t.Fatal(err)
			}
			if got := mustRead(t, later, store.Journal); got != want {
				t.Errorf("the next writer reads %q, want %q", got, want)
			}
		})
	}
}

// agedMerges makes merged objects look stored two hours ago in listings.
type agedMerges struct{ s3store.Client }

func (a agedMerges) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, o ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	out, err := a.Client.ListObjectsV2(ctx, in, o...)
	if err == nil {
		for i := range out.Contents {
			if strings.Contains(aws.ToString(out.Contents[i].Key), "-") {
				out.Contents[i].LastModified = aws.Time(time.Now().Add(-2 * time.Hour))
			}
		}
	}
	return out, err
}

// TestLeftSourcesDropped: the merged sources a writer left at Close are
// deleted by a later lock holder that reads the file, once the merged
// object is old enough whatever the clocks; never by a reader without the
// lock, nor while the merged object is recent.
func TestLeftSourcesDropped(t *testing.T) {
	for _, tc := range []struct {
		name       string
		aged, lock bool
		want       int // single objects left
	}{
		{"writer, merges old", true, true, 0},
		{"writer, merges recent", false, true, 8},
		{"reader without the lock", true, false, 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, bucket, _ := s3test.Server(t)
			ctx := t.Context()
			key := s3test.Key(t, client, bucket)
			o := options(bucket, key)
			o.SleepTime = time.Hour
			o.MergeFanIn = 4
			o.MergeDeleteDelay = time.Hour
			s := s3store.New(client, o)
			if err := s.Lock(ctx); err != nil {
				t.Fatal(err)
			}
			w, err := s.Create(ctx, store.Journal)
			if err != nil {
				t.Fatal(err)
			}
			var all []byte
			appendSynced(t, w, &all, 8)
			want := string(all)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			s.Close()
			var c s3store.Client = client
			if tc.aged {
				c = agedMerges{client}
			}
			next := s3store.New(c, o)
			defer next.Close()
			if tc.lock {
				if err := next.Lock(ctx); err != nil {
					t.Fatal(err)
				}
			}
			if got := mustRead(t, next, store.Journal); got != want {
				t.Errorf("the journal reads %q, want %q", got, want)
			}
			singles := 0
			for _, k := range objectKeys(t, client, bucket, key+".g/") {
				if base := k[strings.LastIndex(k, "/")+1:]; base != "" && !strings.Contains(base, "-") {
					singles++
				}
			}
			if singles != tc.want {
				t.Errorf("%d single objects left, want %d", singles, tc.want)
			}
			if got := mustRead(t, next, store.Journal); got != want {
				t.Errorf("read again, the journal reads %q, want %q", got, want)
			}
		})
	}
}

package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// followCheck does what a follower's check does: open the journal, read
// its header, go on from byte off. It returns the bytes after off.
func followCheck(t *testing.T, tr store.Tailer, off int64) []byte {
	t.Helper()
	rc, err := tr.OpenAt(t.Context(), store.Journal, 0)
	if err != nil {
		t.Fatalf("OpenAt: %v", err)
	}
	defer rc.Close()
	head := make([]byte, 8)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatalf("read the header: %v", err)
	}
	if _, err := rc.(io.Seeker).Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read from byte %d: %v", off, err)
	}
	return b
}

// appendSynced writes one chunk per sync: one segment each.
func appendSynced(t *testing.T, w store.Writer, all *[]byte, chunks int) {
	t.Helper()
	for range chunks {
		c := fmt.Appendf(nil, "chunk %04d;", len(*all))
		if _, err := w.Write(c); err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(t.Context()); err != nil {
			t.Fatal(err)
		}
		*all = append(*all, c...)
	}
}

// TestTailIdleCheckIsOneGET: a check that finds nothing new is one GET
// and nothing else; one that finds a segment is that GET and one more
// for the key after it.
func TestTailIdleCheckIsOneGET(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ws := s3store.New(client, options(bucket, key))
	defer ws.Close()
	if err := ws.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := ws.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var all []byte
	appendSynced(t, w, &all, 3)

	o := options(bucket, key)
	o.TailRefresh = time.Hour
	o.MergeDeleteDelay = 2 * time.Hour
	fs := s3store.New(client, o)
	defer fs.Close()
	if got := followCheck(t, fs, 0); !bytes.Equal(got, all) {
		t.Fatalf("first check read %q, want %q", got, all)
	}
	before := fs.Requests()
	for range 10 {
		if got := followCheck(t, fs, int64(len(all))); len(got) != 0 {
			t.Fatalf("an idle check read %q", got)
		}
	}
	if got := fs.Requests().Sub(before); got != (store.Requests{Gets: 10}) {
		t.Fatalf("10 idle checks made %+v, want 10 GETs", got)
	}
	at := int64(len(all))
	appendSynced(t, w, &all, 1)
	before = fs.Requests()
	if got := followCheck(t, fs, at); !bytes.Equal(got, all[at:]) {
		t.Fatalf("check after one segment read %q, want %q", got, all[at:])
	}
	if got := fs.Requests().Sub(before); got.Gets != 2 || got.Total() != 2 {
		t.Fatalf("a check that finds one segment made %+v, want 2 GETs", got)
	}
	if d := fs.PollInterval(); d != s3store.DefaultPollInterval {
		t.Errorf("PollInterval() = %v, want the default %v", d, s3store.DefaultPollInterval)
	}
}

// mergeBehind does what compaction does to segments first..last of the
// journal's generation, all at once: one merged object, then the
// sources deleted. A follower that was frozen meanwhile finds the next
// segment key absent for ever.
func mergeBehind(t *testing.T, client *s3.Client, bucket, key string, first, last int) {
	t.Helper()
	ctx := t.Context()
	prefix := key + ".g/"
	out, err := client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	if err != nil {
		t.Fatal(err)
	}
	var gen string
	var data []byte
	for _, obj := range out.Contents {
		k := aws.ToString(obj.Key)
		var seq int
		if n, _ := fmt.Sscanf(k[len(k)-20:], "%d", &seq); n != 1 || seq < first || seq > last || aws.ToInt64(obj.Size) == 0 {
			continue
		}
		gen = k[len(prefix) : len(k)-21]
		res, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &k})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		data = append(data, b...)
	}
	merged := fmt.Sprintf("%s%s/%020d-%020d", prefix, gen, last, first)
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &merged, Body: bytes.NewReader(data)}); err != nil {
		t.Fatal(err)
	}
	for seq := first; seq <= last; seq++ {
		k := fmt.Sprintf("%s%s/%020d", prefix, gen, seq)
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &k}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestTailRelistsAfterAMergeItMissed: segments written, merged and
// deleted while a follower did not look are found by the listing it
// makes once the next key has been absent for TailRefresh, and a piece
// it had listed that is gone is read from the merged object. Without
// the listing (a refresh of an hour) they stay unseen: what
// MergeDeleteDelay, twice TailRefresh or more, rules out for a follower
// that keeps polling.
func TestTailRelistsAfterAMergeItMissed(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	wo := options(bucket, key)
	wo.MergeFanIn = 1 // the test merges by hand
	ws := s3store.New(client, wo)
	defer ws.Close()
	if err := ws.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := ws.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var all []byte
	appendSynced(t, w, &all, 2)

	follower := func(refresh time.Duration) *s3store.Store {
		o := options(bucket, key)
		o.TailRefresh = refresh
		o.MergeDeleteDelay = max(2*refresh, s3store.DefaultMergeDeleteDelay)
		s := s3store.New(client, o)
		t.Cleanup(func() { s.Close() })
		if got := followCheck(t, s, 0); !bytes.Equal(got, all) {
			t.Fatalf("first check read %q, want %q", got, all)
		}
		return s
	}
	blind, quick := follower(time.Hour), follower(50*time.Millisecond)
	at := int64(len(all))
	appendSynced(t, w, &all, 6)   // segments 3 to 8
	listed := follower(time.Hour) // has segments 1 to 8 as single objects
	mergeBehind(t, client, bucket, key, 3, 8)
	time.Sleep(100 * time.Millisecond)

	if got := followCheck(t, blind, at); len(got) != 0 {
		t.Fatalf("a follower that never lists read %q", got)
	}
	before := quick.Requests()
	if got := followCheck(t, quick, at); !bytes.Equal(got, all[at:]) {
		t.Fatalf("after the refresh the follower read %q, want %q", got, all[at:])
	}
	if used := quick.Requests().Sub(before); used.Lists != 1 {
		t.Errorf("the check after the refresh made %+v, want one LIST", used)
	}
	before = listed.Requests()
	rc, err := listed.OpenAt(context.Background(), store.Journal, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, all) {
		t.Fatalf("a follower whose listed pieces were merged away read %q, %v; want %q", got, err, all)
	}
	if used := listed.Requests().Sub(before); used.Lists != 1 {
		t.Errorf("reading pieces merged away made %+v, want one LIST", used)
	}
}

// TestTailRereadsMarkers: a rename that leaves the old file's writer
// open ends no generation, so a follower sees it when it reads the
// markers again, after TailRefresh, and not before; a Close, which ends
// the generation with a tombstone, shows the new file at the next check.
func TestTailRereadsMarkers(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ws := s3store.New(client, options(bucket, key))
	defer ws.Close()
	ctx := t.Context()
	if err := ws.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := ws.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var old []byte
	appendSynced(t, w, &old, 2)
	checkAll := func(s *s3store.Store) []byte {
		t.Helper()
		rc, err := s.OpenAt(ctx, store.Journal, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const refresh = 200 * time.Millisecond
	o := options(bucket, key)
	o.TailRefresh = refresh
	fs := s3store.New(client, o)
	defer fs.Close()
	if got := checkAll(fs); !bytes.Equal(got, old) {
		t.Fatalf("first check: %q", got)
	}
	if err := writeFile(ctx, ws, store.TempPrefix+"1", "new journal"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := ws.Rename(ctx, store.Journal, store.Backup); err != nil {
		t.Fatal(err)
	}
	if err := ws.Rename(ctx, store.TempPrefix+"1", store.Journal); err != nil {
		t.Fatal(err)
	}
	if got := checkAll(fs); time.Since(start) < refresh && !bytes.Equal(got, old) {
		t.Fatalf("within TailRefresh a check read %q, want the file it followed, %q", got, old)
	}
	time.Sleep(refresh)
	if got := checkAll(fs); string(got) != "new journal" {
		t.Fatalf("after TailRefresh a check read %q, want the new journal", got)
	}

	// The backup's writer closes: its tombstone is seen at once.
	fb := s3store.New(client, s3store.Options{Bucket: bucket, Key: key, TailRefresh: time.Hour, MergeDeleteDelay: 2 * time.Hour})
	defer fb.Close()
	rc, err := fb.OpenAt(ctx, store.Backup, 0)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := ws.Remove(ctx, store.Backup); err != nil {
		t.Fatal(err)
	}
	if _, err := fb.OpenAt(ctx, store.Backup, 0); !errors.Is(err, store.ErrNotExist) {
		t.Fatalf("OpenAt of a backup closed and removed: %v, want ErrNotExist at once", err)
	}
}

// TestTailSealedMarkerReadFirst: a follower that reads the marker again
// (its refresh) after the writer stored its last segments and sealed the
// file still reads those segments: a seal ends the generation only at
// its length. (It stopped short before.)
func TestTailSealedMarkerReadFirst(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ws := s3store.New(client, options(bucket, key))
	defer ws.Close()
	if err := ws.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := ws.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	var all []byte
	appendSynced(t, w, &all, 2)
	o := options(bucket, key)
	o.TailRefresh = time.Millisecond
	fs := s3store.New(client, o)
	defer fs.Close()
	if got := followCheck(t, fs, 0); !bytes.Equal(got, all) {
		t.Fatalf("first check read %q, want %q", got, all)
	}
	at := int64(len(all))
	appendSynced(t, w, &all, 2)
	if err := w.Close(); err != nil { // seals the marker
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	if got := followCheck(t, fs, at); !bytes.Equal(got, all[at:]) {
		t.Fatalf("after the seal a check read %q, want %q", got, all[at:])
	}
}

// TestTailBehindBusyWriterReadsMergedObjects: a follower behind a writer
// that stored a segment per sync lists ahead once its probes keep finding
// segments, and reads the merged objects compaction made: 23 GETs and a
// LIST for 61 segments where it made 62 GETs.
func TestTailBehindBusyWriterReadsMergedObjects(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	wo := options(bucket, key)
	wo.MergeFanIn = 4
	wo.MergeDeleteDelay = 2 * time.Hour
	ws := s3store.New(client, wo)
	defer ws.Close()
	if err := ws.Lock(t.Context()); err != nil {
		t.Fatal(err)
	}
	w, err := ws.Create(t.Context(), store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var all []byte
	appendSynced(t, w, &all, 3)

	o := options(bucket, key)
	o.TailRefresh = time.Hour
	o.MergeDeleteDelay = 2 * time.Hour
	fs := s3store.New(client, o)
	defer fs.Close()
	if got := followCheck(t, fs, 0); !bytes.Equal(got, all) {
		t.Fatalf("first check read %q, want %q", got, all)
	}
	at := int64(len(all))
	appendSynced(t, w, &all, 61)
	// The merges run in the writer's background: wait for the last.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, k := range objectKeys(t, client, bucket, key+".g/") {
			if len(k) > 41 && k[len(k)-41] != '/' && k[len(k)-21] == '-' {
				n++
			}
		}
		if n >= 20 { // 16 of 4 segments, 4 of 16
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	before := fs.Requests()
	if got := followCheck(t, fs, at); !bytes.Equal(got, all[at:]) {
		t.Fatalf("catching up read %d bytes, want %d", len(got), len(all)-int(at))
	}
	got := fs.Requests().Sub(before)
	if got.Gets > 24 || got.Lists > 3 {
		t.Errorf("catching up on 61 segments made %d GETs and %d LISTs, want at most 24 and 3", got.Gets, got.Lists)
	}
	t.Logf("catching up on 61 segments: %d GETs, %d LISTs", got.Gets, got.Lists)
}

package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// TestKeyLayout: every object starts with the key, and two journals whose
// keys share a prefix keep to their own files.
func TestKeyLayout(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	base := s3test.Key(t, client, bucket) // ".../journal"
	ctx := t.Context()
	keys := []string{base, base + "2", strings.TrimSuffix(base, "journal") + "apps/bank/journal"}
	for i, key := range keys {
		s := s3store.New(client, options(bucket, key))
		for run := range 2 {
			if _, _, w, err := startUp(ctx, s, fmt.Sprintf("%s%d", store.TempPrefix, run)); err != nil {
				t.Fatalf("journal %d, run %d: %v", i, run, err)
			} else if err := w.Close(); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
	}
	for i, key := range keys {
		s := s3store.New(client, options(bucket, key))
		files, err := s.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range files {
			names = append(names, f.Name)
		}
		sort.Strings(names)
		if len(names) != 2 || names[0] != store.Journal || !strings.HasPrefix(names[1], store.ArchivePrefix) {
			t.Errorf("journal %d (%s) lists %q, want the journal and one archive", i, key, names)
		}
		if got := mustRead(t, s, store.Journal); got != "S1|e2" {
			t.Errorf("journal %d reads %q, want %q", i, got, "S1|e2")
		}
		for _, k := range objectKeys(t, client, bucket, key) {
			rest := strings.TrimPrefix(k, key)
			ok := rest == "" || rest == ".backup" || rest == ".lock" || strings.HasPrefix(rest, ".backup-") || strings.HasPrefix(rest, ".g/")
			if !ok && !(i == 0 && strings.HasPrefix(rest, "2")) {
				t.Errorf("unexpected object %s", k)
			}
		}
		s.Close()
	}
	var layout []string
	for _, k := range objectKeys(t, client, bucket, keys[0]) {
		if !strings.HasPrefix(k, keys[1]) {
			layout = append(layout, strings.TrimPrefix(k, keys[0]))
		}
	}
	t.Logf("objects of one journal after two start-ups:\n  %s", strings.Join(layout, "\n  "))
}

// TestIncremental: each Sync stores one new segment holding only the new
// bytes, so what is stored grows linearly with what is written.
// (Compaction, off here, merges them later: TestCompaction.)
func TestIncremental(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	o := options(bucket, key)
	o.MergeFanIn = -1
	s := s3store.New(client, o)
	defer s.Close()
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	w, err := s.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	const events, size = 200, 50
	for i := range events {
		if _, err := w.Write(bytes.Repeat([]byte{byte(i)}, size)); err != nil {
			t.Fatal(err)
		}
		if err := w.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var stored int64
	segs := 0
	in := &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: aws.String(key + ".g/")}
	for {
		out, err := client.ListObjectsV2(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			if aws.ToInt64(o.Size) == 0 {
				continue // the tombstone Close ends the generation with
			}
			stored += aws.ToInt64(o.Size)
			segs++
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	if segs != events || stored != events*size {
		t.Fatalf("%d segments, %d bytes stored for %d synced writes of %d bytes; want one segment each and no more bytes", segs, stored, events, size)
	}
}

// TestCorruption: a missing segment, a segment whose bytes changed, and a
// damaged marker are each ErrCorrupt, never a shorter journal.
func TestCorruption(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	ctx := t.Context()
	setup := func(t *testing.T) (string, *s3store.Store) {
		key := s3test.Key(t, client, bucket)
		s := s3store.New(client, options(bucket, key))
		t.Cleanup(func() { s.Close() })
		if err := s.Lock(ctx); err != nil {
			t.Fatal(err)
		}
		w, err := s.Create(ctx, store.Journal)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			fmt.Fprintf(w, "segment %d;", i+1)
			if err := w.Sync(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return key, s
	}
	segKey := func(key string, seq int) string {
		gens := generations(t, client, bucket, key)
		for g := range gens {
			return fmt.Sprintf("%s.g/%s/%020d", key, g, seq)
		}
		t.Fatal("no generation")
		return ""
	}
	put := func(k, body string) {
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &k, Body: strings.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name   string
		damage func(key string)
	}{
		{"MissingSegment", func(key string) {
			k := segKey(key, 2)
			if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &k}); err != nil {
				t.Fatal(err)
			}
		}},
		{"ChangedSegment", func(key string) {
			// Same size, other bytes, and none of the store's metadata:
			// the size still matches, the CRC the writer stored is gone,
			// so read back what the writer stored and alter it.
			k := segKey(key, 2)
			out, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &k})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &k, Body: strings.NewReader("segment X;"), Metadata: out.Metadata}); err != nil {
				t.Fatal(err)
			}
		}},
		{"DamagedMarker", func(key string) { put(key, "not a marker") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, s := setup(t)
			if got := mustRead(t, s, store.Journal); got != "segment 1;segment 2;segment 3;" {
				t.Fatalf("before the damage: %q", got)
			}
			tt.damage(key)
			r, err := s.Open(ctx, store.Journal)
			if err == nil {
				var got []byte
				got, err = io.ReadAll(r)
				r.Close()
				if err == nil {
					t.Fatalf("read %q from a damaged journal, want ErrCorrupt", got)
				}
			}
			if !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("got %v, want ErrCorrupt", err)
			}
		})
	}
}

// TestCollection: removing a file deletes its segments; a generation a
// rename replaced, left by a crash before its collection, is deleted by
// the next Lock; shared generations are kept.
func TestCollection(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	s := s3store.New(client, options(bucket, key))
	if err := s.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	archive := store.ArchiveName(time.Unix(5, 0))
	for _, name := range []string{store.Journal, archive, store.TempPrefix + "t"} {
		if err := writeFile(ctx, s, name, "content of "+name); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(generations(t, client, bucket, key)); n != 3 {
		t.Fatalf("%d generations for 3 files", n)
	}
	if err := s.Remove(ctx, archive); err != nil {
		t.Fatal(err)
	}
	if n := len(generations(t, client, bucket, key)); n != 2 {
		t.Fatalf("%d generations after removing one of 3 files, want 2", n)
	}
	s.Close()
	// A rename over a file, crashing before it collects the replaced
	// generation: an orphan only the new marker records.
	before := generations(t, client, bucket, key)
	fc := s3test.NewFaultClient(client, func(r s3test.Request) s3test.Fault {
		if r.Op == "DeleteObjects" {
			return s3test.Crash
		}
		return s3test.Pass
	})
	s1 := s3store.New(fc, options(bucket, key))
	if err := s1.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(ctx, s1, store.TempPrefix+"u", "new"); err != nil {
		t.Fatal(err)
	}
	if err := s1.Rename(ctx, store.TempPrefix+"u", store.TempPrefix+"t"); err != nil {
		t.Fatal(err) // the failed collection is only logged
	}
	if fc.Count(s3test.Crash) != 1 {
		t.Fatal("the rename did not try to collect the replaced generation")
	}
	s1.Close()
	if len(generations(t, client, bucket, key)) != len(before)+1 {
		t.Fatalf("generations %v, want the replaced one still there besides %v", generations(t, client, bucket, key), before)
	}
	s2 := s3store.New(client, options(bucket, key))
	defer s2.Close()
	if err := s2.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(generations(t, client, bucket, key)); n != 2 {
		t.Errorf("%d generations after Lock, want 2: the replaced one survived", n)
	}
	if got := mustRead(t, s2, store.Journal); got != "content of " {
		t.Errorf("journal reads %q after collection", got)
	}
	if got := mustRead(t, s2, store.TempPrefix+"t"); got != "new" {
		t.Errorf("temporary file reads %q after collection", got)
	}
	wantNoGarbage(t, client, bucket, key)
}

// TestConfigurationErrors surface from the first call.
func TestConfigurationErrors(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	tests := []struct {
		name   string
		client s3store.Client
		opts   s3store.Options
		want   string
	}{
		{"NoBucket", client, s3store.Options{}, "Bucket is empty"},
		{"NoClient", nil, s3store.Options{Bucket: bucket}, "Client is nil"},
		{"KeyEndsWithSlash", client, s3store.Options{Bucket: bucket, Key: "apps/"}, "ends with a slash"},
		{"MissingBucket", client, s3store.Options{Bucket: "no-such-bucket-" + fmt.Sprint(time.Now().UnixNano())}, "NoSuchBucket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := s3store.New(tt.client, tt.opts)
			defer s.Close()
			err := s.Lock(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Lock: %v, want an error saying %q", err, tt.want)
			}
			if _, err := s.List(context.Background()); err == nil {
				t.Fatal("List succeeded on a misconfigured store")
			}
		})
	}
}

package s3store_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/uploader"
)

// fastRetry keeps fault tests quick.
var fastRetry = uploader.Retry{Attempts: 8, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}

func options(bucket, key string) s3store.Options {
	return s3store.Options{Bucket: bucket, Key: key, SleepTime: 20 * time.Millisecond, Retry: fastRetry}
}

// readAll returns the content of name.
func readAll(ctx context.Context, s store.Store, name string) ([]byte, error) {
	r, err := s.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// mustRead returns the content of name or fails the test.
func mustRead(t *testing.T, s store.Store, name string) string {
	t.Helper()
	b, err := readAll(t.Context(), s, name)
	if err != nil {
		t.Fatalf("read %q: %v", name, err)
	}
	return string(b)
}

// writeFile creates name with content, synced and closed.
func writeFile(ctx context.Context, s store.Store, name, content string) error {
	w, err := s.Create(ctx, name)
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(content)); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// state interprets a test journal: "S<n>" is a snapshot after n events,
// each "|e<i>" one more event. It returns the number of events.
func state(content string) (int, error) {
	parts := strings.Split(content, "|")
	var n int
	if _, err := fmt.Sscanf(parts[0], "S%d", &n); err != nil {
		return 0, fmt.Errorf("journal %q has no snapshot", content)
	}
	for i, p := range parts[1:] {
		if p != fmt.Sprintf("e%d", n+1) {
			return 0, fmt.Errorf("journal %q: entry %d is %q, want e%d", content, i+1, p, n+1)
		}
		n++
	}
	return n, nil
}

// startUp runs the protocol of package store on s as the prevalent system
// does: Lock, drop temporary files, read Backup or else Journal, write the
// recovered state to a new journal, rotate, then append one event and
// sync it. It returns the state recovered, and whether the event was
// acknowledged; with a writer left open when it fails, for the caller to
// close.
func startUp(ctx context.Context, s store.Store, tmp string) (recovered int, acked bool, w store.Writer, err error) {
	if err := s.Lock(ctx); err != nil {
		return 0, false, nil, fmt.Errorf("lock: %w", err)
	}
	files, err := s.List(ctx)
	if err != nil {
		return 0, false, nil, fmt.Errorf("list: %w", err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[f.Name] = true
		if strings.HasPrefix(f.Name, store.TempPrefix) {
			if err := s.Remove(ctx, f.Name); err != nil {
				return 0, false, nil, fmt.Errorf("remove %s: %w", f.Name, err)
			}
		}
	}
	source := store.Journal
	if have[store.Backup] {
		source = store.Backup
	}
	if have[source] {
		b, err := readAll(ctx, s, source)
		if err != nil {
			return 0, false, nil, fmt.Errorf("read %q: %w", source, err)
		}
		if recovered, err = state(string(b)); err != nil {
			return 0, false, nil, err
		}
	}
	w, err = s.Create(ctx, tmp)
	if err != nil {
		return recovered, false, nil, fmt.Errorf("create: %w", err)
	}
	if _, err := fmt.Fprintf(w, "S%d", recovered); err != nil {
		return recovered, false, w, fmt.Errorf("write snapshot: %w", err)
	}
	if err := w.Sync(ctx); err != nil {
		return recovered, false, w, fmt.Errorf("sync snapshot: %w", err)
	}
	if source == store.Journal && have[store.Journal] {
		if err := s.Rename(ctx, store.Journal, store.Backup); err != nil {
			return recovered, false, w, fmt.Errorf("rename journal to backup: %w", err)
		}
	}
	if err := s.Rename(ctx, tmp, store.Journal); err != nil {
		return recovered, false, w, fmt.Errorf("rename temporary to journal: %w", err)
	}
	if have[store.Journal] || have[store.Backup] {
		if err := s.Rename(ctx, store.Backup, store.ArchiveName(time.Now())); err != nil {
			return recovered, false, w, fmt.Errorf("archive backup: %w", err)
		}
	}
	if _, err := fmt.Fprintf(w, "|e%d", recovered+1); err != nil {
		return recovered, false, w, fmt.Errorf("write event: %w", err)
	}
	if err := w.Sync(ctx); err != nil {
		return recovered, false, w, fmt.Errorf("sync event: %w", err)
	}
	return recovered, true, w, nil
}

// listKeys lists every object under prefix but tombstones (empty
// segments, which collection keeps for ever).
func listKeys(ctx context.Context, client *s3.Client, bucket, prefix string) ([]string, error) {
	var keys []string
	in := &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix}
	for {
		out, err := client.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, o := range out.Contents {
			if aws.ToInt64(o.Size) == 0 && strings.Contains(aws.ToString(o.Key), ".g/") {
				continue
			}
			keys = append(keys, aws.ToString(o.Key))
		}
		if !aws.ToBool(out.IsTruncated) {
			return keys, nil
		}
		in.ContinuationToken = out.NextContinuationToken
	}
}

// objectKeys lists every object under prefix or fails the test.
func objectKeys(t *testing.T, client *s3.Client, bucket, prefix string) []string {
	t.Helper()
	keys, err := listKeys(t.Context(), client, bucket, prefix)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// generations returns the generation ids that have data segments under
// key, with their counts.
func generations(t *testing.T, client *s3.Client, bucket, key string) map[string]int {
	t.Helper()
	gens := map[string]int{}
	for _, k := range objectKeys(t, client, bucket, key+".g/") {
		gen, _, _ := strings.Cut(strings.TrimPrefix(k, key+".g/"), "/")
		gens[gen]++
	}
	return gens
}

// checkNoGarbage returns an error naming any generation with objects that
// no marker names.
func checkNoGarbage(ctx context.Context, client *s3.Client, bucket, key string) error {
	keys, err := listKeys(ctx, client, bucket, key)
	if err != nil {
		return err
	}
	named, gens := map[string]bool{}, map[string]int{}
	for _, k := range keys {
		name := strings.TrimPrefix(k, key)
		if rest, ok := strings.CutPrefix(name, ".g/"); ok {
			gen, _, _ := strings.Cut(rest, "/")
			gens[gen]++
			continue
		}
		if name == ".lock" {
			continue
		}
		res, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &k})
		if err != nil {
			return fmt.Errorf("get %s: %w", k, err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(body), "\n") {
			if gen, ok := strings.CutPrefix(line, "gen "); ok {
				named[gen] = true
			}
		}
	}
	var errs []error
	for g, n := range gens {
		if !named[g] {
			errs = append(errs, fmt.Errorf("generation %s (%d objects) is named by no marker", g, n))
		}
	}
	return errors.Join(errs...)
}

// wantNoGarbage fails the test if a generation is named by no marker.
func wantNoGarbage(t *testing.T, client *s3.Client, bucket, key string) {
	t.Helper()
	if err := checkNoGarbage(t.Context(), client, bucket, key); err != nil {
		t.Error(err)
	}
}

func isFenced(err error) bool { return errors.Is(err, store.ErrFenced) }

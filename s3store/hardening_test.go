package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/prevayler-go/prevayler/internal/s3test"
	"github.com/prevayler-go/prevayler/s3store"
	"github.com/prevayler-go/prevayler/store"
)

// pruneArchives removes every archive, as archive retention and
// `prevayler prune` do.
func pruneArchives(t *testing.T, s store.Store) {
	t.Helper()
	files, err := s.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasPrefix(f.Name, store.ArchivePrefix) {
			if err := s.Remove(t.Context(), f.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestZombieAfterCollection: a writer frozen after an acknowledged event
// is taken over; the new writer rotates and prunes the old generation.
// Thawed, the old writer's next Sync must fail with ErrFenced, and the
// next start-up recovers the new writer's events.
func TestZombieAfterCollection(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	a := s3store.New(client, options(bucket, key))
	defer a.Close()
	if _, acked, wa, err := startUp(ctx, a, store.TempPrefix+"a"); err != nil || !acked {
		t.Fatalf("first writer: %v", err)
	} else {
		defer wa.Close()
		b := s3store.New(client, options(bucket, key))
		defer b.Close()
		got, acked, wb, err := startUp(ctx, b, store.TempPrefix+"b")
		if err != nil || !acked || got != 1 {
			t.Fatalf("second writer: recovered %d, %v", got, err)
		}
		defer wb.Close()
		pruneArchives(t, b)
		wantNoGarbage(t, client, bucket, key)

		if _, err := wa.Write([]byte("|e2")); err != nil && !isFenced(err) {
			t.Fatal(err)
		}
		if err := wa.Sync(ctx); !isFenced(err) {
			t.Fatalf("the fenced writer's Sync after garbage collection returned %v, want ErrFenced", err)
		}
	}
	d := s3store.New(client, options(bucket, key))
	defer d.Close()
	got, _, wd, err := startUp(ctx, d, store.TempPrefix+"d")
	if err != nil {
		t.Fatal(err)
	}
	wd.Close()
	if got != 2 {
		t.Fatalf("the next start-up recovered %d events, want 2", got)
	}
}

// TestSlowLock: a Lock that stalls after taking its epoch (a retry
// backoff) while another Lock runs and its writer serves events must not
// kill that writer when it resumes; every acknowledged event survives.
func TestSlowLock(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	first := s3store.New(client, options(bucket, key))
	if _, _, w, err := startUp(ctx, first, store.TempPrefix+"0"); err != nil {
		t.Fatal(err)
	} else {
		w.Close()
	}
	first.Close()

	reached, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow := s3test.NewFaultClient(client, func(r s3test.Request) s3test.Fault {
		if r.Op == "GetObject" && r.Key == key { // the Journal marker, after the lock object
			once.Do(func() { close(reached); <-resume })
		}
		return s3test.Pass
	})
	c := s3store.New(slow, options(bucket, key))
	defer c.Close()
	lockErr := make(chan error, 1)
	go func() { lockErr <- c.Lock(ctx) }()
	<-reached

	b := s3store.New(client, options(bucket, key))
	defer b.Close()
	got, acked, wb, err := startUp(ctx, b, store.TempPrefix+"b")
	if err != nil || !acked || got != 1 {
		t.Fatalf("the fast writer: recovered %d, %v", got, err)
	}
	defer wb.Close()
	close(resume)
	cErr := <-lockErr

	events := 2
	_, werr := wb.Write([]byte("|e3"))
	if werr == nil {
		werr = wb.Sync(ctx)
	}
	switch {
	case werr == nil:
		events = 3
	case cErr == nil && isFenced(werr):
		// The slow Lock took over after all: it must be able to write.
		if _, err := c.Create(ctx, store.TempPrefix+"c"); err != nil {
			t.Fatalf("the slow Lock succeeded, fenced the fast writer, and cannot write: %v", err)
		}
	default:
		t.Fatalf("nobody can write: the slow Lock returned %v, the fast writer's Sync %v", cErr, werr)
	}
	t.Logf("slow Lock: %v", cErr)
	wb.Close()
	d := s3store.New(client, options(bucket, key))
	defer d.Close()
	got, _, wd, err := startUp(ctx, d, store.TempPrefix+"d")
	if err != nil {
		t.Fatal(err)
	}
	wd.Close()
	if got != events {
		t.Fatalf("the next start-up recovered %d events, want %d", got, events)
	}
}

// dropConditions forwards to a real client but strips the conditional
// headers of PutObject, as a server or proxy that ignores them behaves.
type dropConditions struct {
	s3store.Client
	ifMatch, ifNoneMatch bool
}

func (d dropConditions) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	cp := *in
	if d.ifMatch {
		cp.IfMatch = nil
	}
	if d.ifNoneMatch {
		cp.IfNoneMatch = nil
	}
	return d.Client.PutObject(ctx, &cp, o...)
}

// TestServerIgnoresConditions: Lock refuses a server that performs
// conditional writes whose condition fails, naming what is missing.
func TestServerIgnoresConditions(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	for name, c := range map[string]dropConditions{
		"IfMatch":     {Client: client, ifMatch: true},
		"IfNoneMatch": {Client: client, ifNoneMatch: true},
		"Both":        {Client: client, ifMatch: true, ifNoneMatch: true},
	} {
		t.Run(name, func(t *testing.T) {
			key := s3test.Key(t, client, bucket)
			s := s3store.New(c, options(bucket, key))
			defer s.Close()
			err := s.Lock(t.Context())
			if !errors.Is(err, s3store.ErrNoConditionalWrites) {
				t.Fatalf("Lock = %v, want ErrNoConditionalWrites", err)
			}
			if !strings.Contains(err.Error(), "If-") {
				t.Errorf("the error does not say which header: %v", err)
			}
			if keys := objectKeys(t, client, bucket, key); len(keys) > 1 {
				t.Errorf("a refused Lock left %v", keys)
			}
		})
	}
}

// conditionalDelete asks the server directly whether it refuses a
// DeleteObject whose If-Match fails.
func conditionalDelete(t *testing.T, client *s3.Client, bucket, key string) bool {
	t.Helper()
	k := key + ".cd-probe"
	if _, err := client.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &k, Body: bytes.NewReader([]byte("x"))}); err != nil {
		t.Fatal(err)
	}
	_, err := client.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &k, IfMatch: aws.String(`"0123"`)})
	var re interface{ HTTPStatusCode() int }
	refused := errors.As(err, &re) && re.HTTPStatusCode() == http.StatusPreconditionFailed
	client.DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &k})
	return refused
}

// TestKeysMirrorFiles: after a clean start-up <Key>.backup exists only
// on a server without conditional deletes (as an absent "-" marker);
// <Key> exists and names the journal.
func TestKeysMirrorFiles(t *testing.T) {
	client, bucket, kind := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	s := s3store.New(client, options(bucket, key))
	defer s.Close()
	for i := range 2 {
		if _, _, w, err := startUp(ctx, s, store.TempPrefix+"x"); err != nil {
			t.Fatalf("start-up %d: %v", i, err)
		} else {
			w.Close()
		}
	}
	cd := conditionalDelete(t, client, bucket, key)
	res, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(key + store.Backup)})
	switch {
	case cd && err == nil:
		res.Body.Close()
		t.Fatalf("%s supports conditional deletes, and %s.backup exists after a clean start", kind, key)
	case !cd && err != nil:
		t.Fatalf("%s has no conditional deletes, and the absent backup marker is missing: %v", kind, err)
	case !cd:
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "\ngen -\n") {
			t.Fatalf("backup marker says %q after a clean start", body)
		}
	}
	t.Logf("%s: conditional delete %v", kind, cd)
	if got := mustRead(t, s, store.Journal); got != "S1|e2" {
		t.Fatalf("journal reads %q", got)
	}
}

// TestLateBackupOfFencedWriter: a fenced writer that renames its journal
// to the backup after a takeover (the first half of a rotation) must not
// make that backup take precedence.
func TestLateBackupOfFencedWriter(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	a := s3store.New(client, options(bucket, key))
	defer a.Close()
	_, _, wa, err := startUp(ctx, a, store.TempPrefix+"a")
	if err != nil {
		t.Fatal(err)
	}
	wa.Close()
	b := s3store.New(client, options(bucket, key))
	defer b.Close()
	_, _, wb, err := startUp(ctx, b, store.TempPrefix+"b")
	if err != nil {
		t.Fatal(err)
	}
	wb.Close()
	if err := a.Rename(ctx, store.Journal, store.Backup); !isFenced(err) {
		t.Fatalf("the fenced writer's rename returned %v, want ErrFenced", err)
	}
	files, err := b.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Name == store.Backup {
			t.Fatalf("List shows the fenced writer's late backup: %+v", files)
		}
	}
	d := s3store.New(client, options(bucket, key))
	defer d.Close()
	got, _, wd, err := startUp(ctx, d, store.TempPrefix+"d")
	if err != nil {
		t.Fatal(err)
	}
	wd.Close()
	if got != 2 {
		t.Fatalf("the next start-up recovered %d events, want the second writer's 2", got)
	}
}

// TestLockObjectDeleted: with journal.lock deleted from outside, the
// next Lock still takes an epoch above every marker's, the writer that
// held it is fenced, and nothing acknowledged is lost.
func TestLockObjectDeleted(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	a := s3store.New(client, options(bucket, key))
	defer a.Close()
	for i := range 3 { // epochs 1, 2, 3
		_, _, w, err := startUp(ctx, a, store.TempPrefix+"a")
		if err != nil {
			t.Fatalf("start-up %d: %v", i, err)
		}
		w.Close()
	}
	if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String(key + ".lock")}); err != nil {
		t.Fatal(err)
	}
	b := s3store.New(client, options(bucket, key))
	defer b.Close()
	got, acked, w, err := startUp(ctx, b, store.TempPrefix+"b")
	if err != nil || !acked || got != 3 {
		t.Fatalf("start-up after the lock object was deleted: recovered %d, %v", got, err)
	}
	w.Close()
	if _, err := a.Create(ctx, store.TempPrefix+"late"); !isFenced(err) {
		t.Fatalf("the previous writer's Create = %v, want ErrFenced", err)
	}
}

// TestLateBackupCreate: a rotation's conditional create of the Backup
// marker that reaches the server late, after the rotation archived and
// deleted the Backup, recreates it on the archived generation. That
// Backup must not take precedence over the newer Journal.
func TestLateBackupCreate(t *testing.T) {
	client, bucket, _ := s3test.Server(t)
	key := s3test.Key(t, client, bucket)
	ctx := t.Context()
	s := s3store.New(client, options(bucket, key))
	defer s.Close()
	for i := range 2 {
		_, _, w, err := startUp(ctx, s, store.TempPrefix+"s")
		if err != nil {
			t.Fatalf("start-up %d: %v", i, err)
		}
		w.Close()
	}
	files, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var archive string
	for _, f := range files {
		if strings.HasPrefix(f.Name, store.ArchivePrefix) {
			archive = f.Name
		}
	}
	res, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(key + archive)})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	// The late request: the archived generation's marker, as the Backup.
	if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key + store.Backup), Body: bytes.NewReader(body)}); err != nil {
		t.Fatal(err)
	}
	if files, err := s.List(ctx); err != nil {
		t.Fatal(err)
	} else {
		for _, f := range files {
			if f.Name == store.Backup {
				t.Fatalf("List shows the late backup: %+v", files)
			}
		}
	}
	if _, err := s.Open(ctx, store.Backup); !errors.Is(err, store.ErrNotExist) {
		t.Errorf("Open of the late backup = %v, want ErrNotExist", err)
	}
	d := s3store.New(client, options(bucket, key))
	defer d.Close()
	got, _, w, err := startUp(ctx, d, store.TempPrefix+"d")
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	if got != 2 {
		t.Fatalf("the next start-up recovered %d events, want 2", got)
	}
}

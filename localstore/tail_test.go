package localstore_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

// TestOpenAt reads a file from several offsets through a store that never
// took the lock, while another holds it.
func TestOpenAt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "journal")
	writer := localstore.New(path)
	if err := writer.Lock(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	if err := os.WriteFile(path, []byte("hello world"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := localstore.New(path)
	defer s.Close()
	for _, c := range []struct {
		off  int64
		want string
	}{{0, "hello world"}, {6, "world"}, {11, ""}, {40, ""}} {
		rc, err := s.OpenAt(context.Background(), store.Journal, c.off)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != c.want {
			t.Fatalf("OpenAt %d = %q, %v, want %q", c.off, b, err, c.want)
		}
	}
	if _, err := s.OpenAt(context.Background(), store.Backup, 0); !errors.Is(err, store.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
	if _, err := s.OpenAt(context.Background(), store.Journal, -1); err == nil {
		t.Fatal("negative offset accepted")
	}
	if s.PollInterval() != localstore.DefaultPollInterval {
		t.Fatalf("PollInterval %v", s.PollInterval())
	}
}

package memstore_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

func TestOpenAt(t *testing.T) {
	s := lock(t, memstore.New())
	w := create(t, s, store.Journal)
	write(t, w, "hello world")
	r := s.Reopen() // another handle, without the lock
	for _, c := range []struct {
		off  int64
		want string
	}{{0, "hello world"}, {6, "world"}, {11, ""}, {40, ""}} {
		rc, err := r.OpenAt(context.Background(), store.Journal, c.off)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != c.want {
			t.Fatalf("OpenAt %d = %q, want %q", c.off, b, c.want)
		}
	}
	if _, err := r.OpenAt(context.Background(), store.Backup, 0); !errors.Is(err, store.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

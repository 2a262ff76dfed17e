package localstore_test

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
)

func TestOpenURL(t *testing.T) {
	dir := t.TempDir()
	tests := []struct{ url, path string }{
		{"data/journal", "data/journal"},
		{"file:data/journal", "data/journal"},
		{"file:data%20x/journal", "data x/journal"},
		{"file:" + dir + "/journal", dir + "/journal"},
		{"file://" + dir + "/journal", dir + "/journal"},
		{"file://localhost" + dir + "/journal", dir + "/journal"},
		{dir + "/a?b#c%d", dir + "/a?b#c%d"},
	}
	for _, tt := range tests {
		s, err := store.Open(context.Background(), tt.url)
		if err != nil {
			t.Errorf("store.Open(%q): %v", tt.url, err)
			continue
		}
		ls, ok := s.(*localstore.Store)
		if !ok {
			t.Errorf("store.Open(%q) = %T, want *localstore.Store", tt.url, s)
			continue
		}
		if ls.Path() != filepath.Clean(tt.path) {
			t.Errorf("store.Open(%q).Path() = %q, want %q", tt.url, ls.Path(), tt.path)
		}
	}
}

func TestOpenURLErrors(t *testing.T) {
	tests := []struct{ url, want string }{
		{"file:journal?sync=always", `unknown parameter "sync": file URLs take no parameters`},
		{"file://otherhost/var/journal", `names host "otherhost"`},
		{"file:///var/journal#frag", `unexpected fragment "frag"`},
		{"file://user@localhost/var/journal", "no user"},
		{"file:", "names no path"},
		{"file:bad%zz", "malformed"},
	}
	for _, tt := range tests {
		_, err := store.Open(context.Background(), tt.url)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("store.Open(%q) = %v, want an error containing %q", tt.url, err, tt.want)
		}
	}
}

// A store opened from a URL is a working store: what one writes through a
// path, the other reads through the equivalent file URL.
func TestOpenURLRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "journal")
	w, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.Lock(ctx); err != nil {
		t.Fatal(err)
	}
	f, err := w.Create(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := store.Open(ctx, "file://"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rc, err := r.Open(ctx, store.Journal)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != "hello" {
		t.Fatalf("read back %q, %v; want hello", got, err)
	}
}

// Importing localstore (every program that imports prevayler does) makes
// store.Open understand local paths and file URLs.
func Example_url() {
	for _, u := range []string{"data/journal", "file:data/journal", "file:///var/lib/app/journal"} {
		s, err := store.Open(context.Background(), u)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(s.(*localstore.Store).Path())
	}
	_, err := store.Open(context.Background(), "file:data/journal?mode=fast")
	fmt.Println(err)
	// Output:
	// data/journal
	// data/journal
	// /var/lib/app/journal
	// store: open "file:data/journal?mode=fast": unknown parameter "mode": file URLs take no parameters
}

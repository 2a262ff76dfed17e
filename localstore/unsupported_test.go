//go:build !((unix && !solaris && !aix) || illumos)

package localstore

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestMain runs only TestLockUnsupported where flock is missing: every
// other test needs a lock, and Lock refuses to work without one.
func TestMain(m *testing.M) {
	flag.Parse()
	fmt.Printf("localstore: file locking is not supported on %s; only TestLockUnsupported runs\n", runtime.GOOS)
	flag.Set("test.run", "^TestLockUnsupported$")
	os.Exit(m.Run())
}

func TestLockUnsupported(t *testing.T) {
	s := New(filepath.Join(t.TempDir(), "journal"))
	defer s.Close()
	if err := s.Lock(t.Context()); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("Lock = %v, want an error matching errors.ErrUnsupported", err)
	}
}

//go:build (unix && !solaris && !aix) || illumos

package localstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler/store"
)

// helperEnv makes the test binary act as another process that locks the
// journal named by the variable's value.
const helperEnv = "LOCALSTORE_TEST_LOCK_HELPER"

// TestMain lets the test binary double as the helper process: a process
// of its own, so that its lock is held by a real other process.
func TestMain(m *testing.M) {
	if path := os.Getenv(helperEnv); path != "" {
		os.Exit(lockHelper(path))
	}
	os.Exit(m.Run())
}

// lockHelper locks path, reports on stdout, and holds the lock until
// killed or until stdin closes.
func lockHelper(path string) int {
	s := New(path)
	if err := s.Lock(context.Background()); err != nil {
		fmt.Println("error:", err, errors.Is(err, store.ErrLocked))
		return 3
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n')
	return 0
}

func startHelper(t *testing.T, path string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return cmd, bufio.NewReader(stdout)
}

func TestLockReleasedWhenProcessDies(t *testing.T) {
	path := t.TempDir() + "/journal"
	cmd, out := startHelper(t, path)
	line, err := out.ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	s := New(path)
	defer s.Close()
	if err := s.Lock(t.Context()); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Lock while another process holds it = %v, want ErrLocked", err)
	}
	// SIGKILL: the helper runs no code of its own; only the kernel can
	// release the lock.
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("helper exit: %v, want killed", err)
	}
	if err := s.Lock(t.Context()); err != nil {
		t.Fatalf("Lock after the holder was killed: %v", err)
	}
}

func TestLockRefusesOtherProcess(t *testing.T) {
	path := t.TempDir() + "/journal"
	s := New(path)
	defer s.Close()
	if err := s.Lock(t.Context()); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	cmd, out := startHelper(t, path)
	line, _ := out.ReadString('\n')
	if !strings.HasPrefix(line, "error:") || !strings.HasSuffix(line, " true\n") {
		t.Fatalf("helper said %q, want an ErrLocked error", line)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("helper exit: %v, want code 3", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not exit after failing to lock")
	}
}

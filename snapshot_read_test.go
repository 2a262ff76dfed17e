package prevayler_test

import (
	"bytes"
	"context"
	"encoding/gob"
	"testing"
	"time"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// A snapshot holds exactly one encoded state: bytes after it mean the
// file is not what the library wrote, and Open refuses it.
func TestSnapshotWithTrailingBytesIsRefused(t *testing.T) {
	f, err := journal.NewFramer("gob", nil, journal.FileInfo{})
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	file.Write(f.AppendHeader(nil))
	sw := journal.NewSnapshotWriter(&file, f, 0)
	state := 42
	if err := gob.NewEncoder(sw).Encode(&state); err != nil {
		t.Fatal(err)
	}
	sw.Write([]byte("trailing bytes after the state"))
	sw.Close()
	mem := memstore.New()
	mem.SetFile("", file.Bytes())
	h := func(s, e int, _ time.Time) (int, int, error) { return s, 0, nil }
	if p, err := prevayler.Open(context.Background(), h, prevayler.Options[int]{Store: mem.Reopen()}); err == nil {
		p.Close()
		t.Fatal("a snapshot with bytes after the state was accepted")
	}
}

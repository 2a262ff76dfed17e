package system_test

import (
	"bytes"
	"context"
	"crypto/cipher"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/prevayler-go/prevayler"
	"github.com/prevayler-go/prevayler/internal/reliability"
	"github.com/prevayler-go/prevayler/internal/reliability/crashfs"
	"github.com/prevayler-go/prevayler/localstore"
	"github.com/prevayler-go/prevayler/store"
	"github.com/prevayler-go/prevayler/store/memstore"
)

// hJournal is a journal the library wrote: its bytes, its events, and
// the file's size after each event's write (Durable: one write each).
type hJournal struct {
	data    []byte
	events  []hEvent
	ends    []int // ends[i]: size once event i was written
	snapEnd int   // size of the header and snapshot alone
}

func hWriteJournal(t *testing.T, aead cipher.AEAD) hJournal {
	t.Helper()
	fs := crashfs.New()
	// Without preallocation: the frames' ends are read off the size of
	// the open journal.
	st := localstore.NewWithOptions(hPath, localstore.Options{FS: fs, Preallocate: localstore.NoPreallocate})
	p, err := prevayler.Open(context.Background(), hReplay, prevayler.Options[hLog]{Store: st, Encryption: aead})
	if err != nil {
		t.Fatal(err)
	}
	size := func() int {
		b, ok := fs.ReadFile(hPath)
		if !ok {
			t.Fatal("no journal")
		}
		return len(b)
	}
	j := hJournal{snapEnd: size()}
	for seq := 1; seq <= 5; seq++ {
		e := hEvent{W: 1, Seq: seq}
		if _, err := p.Handle(context.Background(), e); err != nil {
			t.Fatal(err)
		}
		j.events = append(j.events, e)
		j.ends = append(j.ends, size())
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	j.data, _ = fs.ReadFile(hPath)
	return j
}

// hOpenBytes recovers from a journal holding data, as a memory store.
func hOpenBytes(data []byte, aead cipher.AEAD) (events []hEvent, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("recovery panicked: %v", v)
		}
	}()
	mem := memstore.New()
	mem.SetFile(store.Journal, data)
	p, err := prevayler.Open(context.Background(), hReplay, prevayler.Options[hLog]{Store: mem, Encryption: aead})
	if err != nil {
		return nil, err
	}
	defer p.Close()
	return p.State().Events, nil
}

// TestHarnessFlipEveryByte damages every byte of a Durable journal written
// by the library, plaintext and encrypted, two ways each (five with
// -harness-full), and recovers.
// The journal was closed cleanly, so it ends with a closed seal. Each
// outcome must be ErrCorrupt (or ErrKey), or, for damage to the seal
// itself, every event: a damaged byte never silently costs an
// acknowledged event, and a damaged header or snapshot never yields a
// start from the initial state.
func TestHarnessFlipEveryByte(t *testing.T) {
	tl := hTally{Figure: reliability.Figure{Name: "bytes flipped in library-written journals, recovered through Open", Unit: "bytes flipped"}}
	for _, enc := range []bool{false, true} {
		var aead cipher.AEAD
		if enc {
			aead = newAEADKey(t, bytes.Repeat([]byte{7}, 32))
		}
		j := hWriteJournal(t, aead)
		seal := j.ends[len(j.ends)-1] // Close wrote the seal after the last event
		masks := []byte{0x01, 0xff}
		if *harnessFull {
			masks = []byte{0x01, 0x02, 0x10, 0x80, 0xff}
		}
		for i := range j.data {
			for _, mask := range masks {
				data := slices.Clone(j.data)
				data[i] ^= mask
				got, err := hOpenBytes(data, aead)
				tl.Count++
				tl.Acked += int64(len(j.events))
				where := fmt.Sprintf("encrypted=%v, byte %d of %d ^ %#x", enc, i, len(j.data), mask)
				switch {
				case errors.Is(err, prevayler.ErrCorrupt), errors.Is(err, prevayler.ErrKey):
				case err != nil:
					tl.wrongf("%s: %v, want ErrCorrupt", where, err)
				case i >= seal && slices.Equal(got, j.events):
					// the seal read as torn: nothing lost, nothing can tell
					// a damaged seal from a crash during Close
				default:
					tl.Lost += int64(max(len(j.events)-len(got), 0))
					tl.wrongf("%s: recovered %v, want ErrCorrupt", where, got)
				}
			}
		}
	}
	tl.report(t)
}

// TestHarnessTruncateAtEveryOffset cuts the same journals at every offset:
// a cut inside the header or snapshot is ErrCorrupt, any other cut
// recovers exactly the events whose writes are whole.
func TestHarnessTruncateAtEveryOffset(t *testing.T) {
	tl := hTally{Figure: reliability.Figure{Name: "journals cut at every offset, recovered through Open", Unit: "cuts"}}
	for _, enc := range []bool{false, true} {
		var aead cipher.AEAD
		if enc {
			aead = newAEADKey(t, bytes.Repeat([]byte{7}, 32))
		}
		j := hWriteJournal(t, aead)
		for cut := 0; cut < len(j.data); cut++ {
			got, err := hOpenBytes(j.data[:cut], aead)
			tl.Count++
			whole := 0
			for _, end := range j.ends {
				if end <= cut {
					whole++
				}
			}
			where := fmt.Sprintf("encrypted=%v, cut at %d of %d", enc, cut, len(j.data))
			switch {
			case cut < j.snapEnd:
				if !errors.Is(err, prevayler.ErrCorrupt) {
					tl.wrongf("%s (inside the snapshot): %v, %v; want ErrCorrupt", where, got, err)
				}
			case err != nil:
				tl.wrongf("%s: %v, want the %d whole events", where, err, whole)
			case !slices.Equal(got, j.events[:whole]):
				tl.wrongf("%s: recovered %v, want %v", where, got, j.events[:whole])
			default:
				tl.Acked += int64(whole)
			}
		}
	}
	tl.report(t)
}

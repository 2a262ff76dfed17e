package journal_test

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// A journal holds a snapshot of the state, then events. This one is in
// plaintext; pass an AEAD such as AES-GCM to NewFramer and NewReader to
// seal it.
func Example() {
	var file bytes.Buffer
	f, err := journal.NewFramer("json", nil, journal.FileInfo{})
	if err != nil {
		panic(err)
	}
	file.Write(f.AppendHeader(nil))

	sw := journal.NewSnapshotWriter(&file, f, 0)
	fmt.Fprint(sw, `{"balance":100}`)
	if err := sw.Close(); err != nil {
		panic(err)
	}

	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var entries []byte
	entries = journal.AppendEvent(entries, at, true, []byte(`{"deposit":5}`))
	entries = journal.AppendEvent(entries, at.Add(time.Second), false, []byte(`{"withdraw":3}`))
	frame, err := f.AppendFrame(nil, journal.KindEvents, journal.FlagSynced, entries)
	if err != nil {
		panic(err)
	}
	file.Write(frame)

	r, err := journal.NewReader(&file, "journal", nil)
	if err != nil {
		panic(err)
	}
	state, err := io.ReadAll(r.Snapshot())
	if err != nil {
		panic(err)
	}
	fmt.Printf("codec %s, state %s\n", r.Header().Codec, state)
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		fmt.Println(ev.At.Format(time.TimeOnly), ev.Reset, string(ev.Data))
	}
	fmt.Println("torn:", r.Torn() != nil)
	// Output:
	// codec json, state {"balance":100}
	// 12:00:00 true {"deposit":5}
	// 12:00:01 false {"withdraw":3}
	// torn: false
}

package prevayler

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"reflect"
	"runtime/debug"

	"github.com/prevayler-go/prevayler/internal/journal"
	"github.com/prevayler-go/prevayler/store"
)

// decodeSnapshot decodes the state from the snapshot of a journal, as one
// value or, if chunked, chunk by chunk. size is the journal's size, if
// known: no part of a split state is longer.
func (p *Prevayler[S, E, R]) decodeSnapshot(jr *journal.Reader, label string, chunked bool, size int64) (S, error) {
	var state S
	if !chunked {
		// A reader of our own, so that what the codec reads ahead is visible.
		snap := bufio.NewReader(jr.Snapshot())
		var sdec Decoder
		if err := decodeSafely(&sdec, func() Decoder { return p.codec.NewDecoder(snap) }, &state); err != nil {
			return state, snapshotError(label, err)
		}
		if n, err := io.Copy(io.Discard, snap); err != nil || n > 0 {
			if err == nil {
				err = fmt.Errorf("%d bytes left after the state", n)
			}
			return state, fmt.Errorf("prevayler: snapshot of %s: %w", label, err)
		}
		return state, nil
	}
	src := &chunkSource{jr: jr, codec: p.codec}
	if err := decodeChunks(src, &state, size); err != nil {
		return state, snapshotError(label, err)
	}
	if _, err := jr.SnapshotChunk(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("chunks left after chunk %d, the state's last", src.chunks)
		}
		return state, fmt.Errorf("prevayler: snapshot of %s: %w", label, err)
	}
	return state, nil
}

func snapshotError(label string, err error) error {
	if errors.Is(err, store.ErrCorrupt) {
		return fmt.Errorf("prevayler: read %s: %w", label, err)
	}
	return fmt.Errorf("prevayler: decode snapshot of %s (state type changed?): %w", label, err)
}

// decodeChunks reads the plan, then has the state's DecodeChunks or the
// library's split read the chunks after it.
func decodeChunks[S any](src *chunkSource, state *S, size int64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	var plan chunkPlan
	if err := getChunk(src.get, &plan); err != nil {
		return err
	}
	if !plan.ByState {
		return decodeSplit(src.get, plan, reflect.ValueOf(state).Elem(), size)
	}
	d, ok := chunkDecoderOf(state)
	if !ok {
		return fmt.Errorf("the snapshot was written by EncodeChunks, and %T has no DecodeChunks", state)
	}
	if err := d.DecodeChunks(src.get); err != nil {
		return err
	}
	return src.err // get failed, and DecodeChunks went on regardless
}

var (
	chunkEncoderType = reflect.TypeFor[ChunkEncoder]()
	chunkDecoderType = reflect.TypeFor[ChunkDecoder]()
)

// chunksItself says a state type implements ChunkEncoder and, on its
// pointer or, for a pointer type, on itself, ChunkDecoder.
func chunksItself(t reflect.Type) bool {
	if t.Kind() == reflect.Interface || !t.Implements(chunkEncoderType) {
		return false
	}
	return reflect.PointerTo(t).Implements(chunkDecoderType) ||
		t.Kind() == reflect.Pointer && t.Implements(chunkDecoderType)
}

// chunkDecoderOf returns the decoder of a zero state: the state's pointer,
// or, for a state that is a pointer, a new value it then points to.
func chunkDecoderOf[S any](state *S) (ChunkDecoder, bool) {
	if d, ok := any(state).(ChunkDecoder); ok {
		return d, true
	}
	v := reflect.ValueOf(state).Elem()
	if v.Kind() != reflect.Pointer || !v.Type().Implements(chunkDecoderType) {
		return nil, false
	}
	v.Set(reflect.New(v.Type().Elem()))
	return v.Interface().(ChunkDecoder), true
}

package prevayler

import (
	"encoding"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"

	"github.com/prevayler-go/prevayler/internal/journal"
)

// The library's own chunking of a state (see chunk.go): the large slices
// and maps among the state's fields, and the structs held by value in
// them, are cut out of the state and sent in pieces after it.

const (
	// splitMin is the size, counted as the bytes of the element values in
	// memory, from which a slice or map is sent in pieces.
	splitMin = 1 << 20
	// pieceTarget is the encoded size a piece aims at.
	pieceTarget = journal.DefaultChunkSize
)

// chunkPlan is the first chunk of every chunked snapshot, written by the
// library: who wrote the chunks that follow it, and how to read them.
type chunkPlan struct {
	ByState bool        // the state's EncodeChunks wrote them
	Shell   bool        // split: the state itself comes next, its split fields zero
	Parts   []splitPart // split: then the pieces of each part in turn
}

// splitPart is a slice or map sent in pieces.
type splitPart struct {
	Path []string // names of the fields leading to it from the state; none: the state itself
	Len  int      // its elements or entries
}

// inPlaceCodec is implemented by a codec whose decoder fills a slice it is
// given when it has the capacity, merges into a map it is given, and
// leaves the fields of a struct that the encoding omits as they are: what
// decoding a split state relies on.
type inPlaceCodec interface {
	// encodesItself says a type is encoded by its own methods, which the
	// codec calls on the whole value: it is never split.
	encodesItself(t reflect.Type) bool
}

var (
	gobEncoderType      = reflect.TypeFor[gob.GobEncoder]()
	binaryMarshalerType = reflect.TypeFor[encoding.BinaryMarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
)

func (gobCodec) encodesItself(t reflect.Type) bool {
	for _, u := range []reflect.Type{t, reflect.PointerTo(t)} {
		if u.Implements(gobEncoderType) || u.Implements(binaryMarshalerType) || u.Implements(textMarshalerType) {
			return true
		}
	}
	return false
}

// splitState is a state and its parts to send in pieces.
type splitState struct {
	state reflect.Value // addressable
	shell bool
	parts []splitPart
	index [][]int // field indexes of each part, from the state
}

// planSplit returns how to split the state v points to, or nil if the
// codec cannot split it or nothing in it is large.
func planSplit(c Codec, v any) *splitState {
	ipc, ok := c.(inPlaceCodec)
	if !ok {
		return nil
	}
	s := &splitState{state: reflect.ValueOf(v).Elem()}
	t := s.state.Type()
	if ipc.encodesItself(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		s.shell = true
		s.walk(ipc, s.state, nil, nil)
	case reflect.Slice, reflect.Map:
		if large(s.state) {
			s.parts = append(s.parts, splitPart{Len: s.state.Len()})
			s.index = append(s.index, nil)
		}
	}
	if len(s.parts) == 0 {
		return nil
	}
	return s
}

func (s *splitState) walk(c inPlaceCodec, v reflect.Value, names []string, index []int) {
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() || c.encodesItself(f.Type) {
			continue
		}
		fv := v.Field(i)
		switch f.Type.Kind() {
		case reflect.Struct:
			s.walk(c, fv, append(slices.Clip(names), f.Name), append(slices.Clip(index), i))
		case reflect.Slice, reflect.Map:
			if large(fv) {
				s.parts = append(s.parts, splitPart{Path: append(slices.Clone(names), f.Name), Len: fv.Len()})
				s.index = append(s.index, append(slices.Clone(index), i))
			}
		}
	}
}

// large says a slice or map is worth sending in pieces.
func large(v reflect.Value) bool {
	t := v.Type()
	size := t.Elem().Size()
	if t.Kind() == reflect.Map {
		size += t.Key().Size()
	}
	return v.Len() >= 2 && uint64(v.Len())*uint64(size) >= splitMin
}

// fieldAt is v.FieldByIndex that takes no index as v itself.
func fieldAt(v reflect.Value, index []int) reflect.Value {
	if len(index) == 0 {
		return v
	}
	return v.FieldByIndex(index)
}

func (s *splitState) plan() chunkPlan { return chunkPlan{Shell: s.shell, Parts: s.parts} }

// encode sends the shell, then the pieces of each part. The state is
// never modified: the shell is a copy.
func (s *splitState) encode(sink *chunkSink) error {
	if s.shell {
		shell := reflect.New(s.state.Type())
		shell.Elem().Set(s.state)
		for _, idx := range s.index {
			fieldAt(shell.Elem(), idx).SetZero()
		}
		if err := sink.put(shell.Interface()); err != nil {
			return err
		}
	}
	for _, idx := range s.index {
		v := fieldAt(s.state, idx)
		var err error
		if v.Kind() == reflect.Slice {
			err = encodeSlicePieces(sink, v)
		} else {
			err = encodeMapPieces(sink, v)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func encodeSlicePieces(sink *chunkSink, v reflect.Value) error {
	piece := reflect.New(v.Type())
	defer piece.Elem().SetZero()
	count := firstCount(v.Type().Elem().Size())
	for i, n := 0, v.Len(); i < n; {
		j := min(n, i+count)
		piece.Elem().Set(v.Slice(i, j))
		if err := sink.put(piece.Interface()); err != nil {
			return err
		}
		count = nextCount(count, j-i, sink.last)
		i = j
	}
	return nil
}

func encodeMapPieces(sink *chunkSink, v reflect.Value) error {
	t := v.Type()
	count := firstCount(t.Key().Size() + t.Elem().Size())
	piece := reflect.New(t)
	pm := reflect.MakeMapWithSize(t, count)
	piece.Elem().Set(pm)
	key, elem := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
	it := v.MapRange()
	more := it.Next()
	for more {
		k := 0
		for ; more && k < count; more = it.Next() {
			key.SetIterKey(it)
			elem.SetIterValue(it)
			pm.SetMapIndex(key, elem)
			k++
		}
		if err := sink.put(piece.Interface()); err != nil {
			return err
		}
		pm.Clear()
		count = nextCount(count, k, sink.last)
	}
	return nil
}

// firstCount is the elements of a first piece, guessed from their size in
// memory; nextCount adapts it to the encoded size of the last piece.
func firstCount(size uintptr) int { return max(1, pieceTarget/max(1, int(size))) }

func nextCount(count, elems, encoded int) int {
	if encoded <= 0 || elems <= 0 {
		return count
	}
	want := int(int64(elems) * pieceTarget / int64(encoded))
	return min(max(1, want), 4*count)
}

// decodeSplit fills state, a zero value, from the chunks after plan.
// limit, if positive, bounds the length of a part: the journal's size.
func decodeSplit(get func(any) error, plan chunkPlan, state reflect.Value, limit int64) error {
	if plan.Shell {
		if state.Kind() != reflect.Struct {
			return fmt.Errorf("the snapshot holds a struct, the state is a %v", state.Type())
		}
		if err := getChunk(get, state.Addr().Interface()); err != nil {
			return err
		}
	}
	for _, part := range plan.Parts {
		v, err := splitField(state, part.Path)
		if err != nil {
			return err
		}
		if part.Len < 0 || limit > 0 && int64(part.Len) > limit {
			return fmt.Errorf("%s: length %d out of range", partName(part), part.Len)
		}
		switch v.Kind() {
		case reflect.Slice:
			err = decodeSlicePieces(get, v, part.Len)
		case reflect.Map:
			err = decodeMapPieces(get, v, part.Len)
		default:
			err = fmt.Errorf("a slice or map in the snapshot, a %v in the state", v.Type())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", partName(part), err)
		}
	}
	return nil
}

func partName(p splitPart) string {
	if len(p.Path) == 0 {
		return "the state"
	}
	return fmt.Sprintf("field %v", p.Path)
}

// splitField finds a part's field by name, as gob matches fields.
func splitField(v reflect.Value, path []string) (reflect.Value, error) {
	for _, name := range path {
		if v.Kind() != reflect.Struct {
			return v, fmt.Errorf("field %v of the snapshot: %v is no struct", path, v.Type())
		}
		f, ok := v.Type().FieldByName(name)
		if !ok || len(f.Index) != 1 || !f.IsExported() {
			return v, fmt.Errorf("field %v of the snapshot: %v has no field %s", path, v.Type(), name)
		}
		v = v.Field(f.Index[0])
	}
	return v, nil
}

var errPieceInPlace = errors.New("a piece did not decode into its place")

// decodeSlicePieces makes the slice at its full length, then has each
// piece decoded straight into its part of it.
func decodeSlicePieces(get func(any) error, v reflect.Value, n int) error {
	t := v.Type()
	full := reflect.MakeSlice(t, n, n)
	v.Set(full)
	piece := reflect.New(t)
	for i := 0; i < n; {
		piece.Elem().Set(full.Slice3(i, i, n))
		if err := getChunk(get, piece.Interface()); err != nil {
			return fmt.Errorf("element %d of %d: %w", i, n, err)
		}
		got := piece.Elem()
		m := got.Len()
		if m == 0 || m > n-i || got.Pointer() != full.Index(i).Addr().Pointer() {
			return fmt.Errorf("element %d of %d: %w", i, n, errPieceInPlace)
		}
		i += m
	}
	return nil
}

// decodeMapPieces makes the map at its full size, then has each piece
// merged into it.
func decodeMapPieces(get func(any) error, v reflect.Value, n int) error {
	t := v.Type()
	m := reflect.MakeMapWithSize(t, n)
	v.Set(m)
	piece := reflect.New(t)
	for m.Len() < n {
		before := m.Len()
		piece.Elem().Set(m)
		if err := getChunk(get, piece.Interface()); err != nil {
			return fmt.Errorf("entry %d of %d: %w", before, n, err)
		}
		if piece.Elem().UnsafePointer() != m.UnsafePointer() || m.Len() == before || m.Len() > n {
			return fmt.Errorf("entry %d of %d: %w", before, n, errPieceInPlace)
		}
	}
	return nil
}

// getChunk is get where the chunk must exist.
func getChunk(get func(any) error, v any) error {
	err := get(v)
	if err == io.EOF {
		return errors.New("the snapshot ends early")
	}
	return err
}

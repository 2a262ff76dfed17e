package prevayler

import (
	"encoding"
	"io"
	"reflect"
)

// Binary is Gob for events that encode themselves: a value whose pointer
// implements encoding.BinaryAppender and encoding.BinaryUnmarshaler (an
// event type with AppendBinary on the value or the pointer, and
// UnmarshalBinary on the pointer) is stored as what AppendBinary appends,
// with no reflection and no buffer of the codec's own; everything else,
// the state included, as Gob stores it. Handle then appends the event's
// bytes straight into the buffer it journals. A journal written with one
// of Gob and Binary is read only with the same one.
var Binary Codec = binaryCodec{}

type binaryCodec struct{}

func (binaryCodec) Name() string { return "gob+binary" }

func (binaryCodec) NewEncoder(w io.Writer) Encoder {
	return &binaryEncoder{w: w, gob: gobCodec{}.NewEncoder(w)}
}

func (binaryCodec) NewDecoder(r io.Reader) Decoder {
	return &binaryDecoder{r: r}
}

// encodesItself: the split of large states (chunk_split.go) leaves alone
// what AppendBinary encodes, as it does what gob hands to a type's own
// methods.
func (binaryCodec) encodesItself(t reflect.Type) bool {
	return reflect.PointerTo(t).Implements(binaryAppenderType) || gobCodec{}.encodesItself(t)
}

var (
	binaryAppenderType    = reflect.TypeFor[encoding.BinaryAppender]()
	binaryUnmarshalerType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
)

// appendsItself says values of type t go through AppendBinary with Binary.
func appendsItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	return p.Implements(binaryAppenderType) && p.Implements(binaryUnmarshalerType)
}

// typeCache remembers the answer of appendsItself for the last type: a
// stream mostly sees one type.
type typeCache struct {
	t   reflect.Type
	yes bool
}

func (c *typeCache) appends(v any) bool {
	t := reflect.TypeOf(v)
	if t != c.t {
		c.t = t
		c.yes = t != nil && t.Kind() == reflect.Pointer && appendsItself(t.Elem())
	}
	return c.yes
}

type binaryEncoder struct {
	w   io.Writer
	gob Encoder
	buf []byte
	typeCache
}

// Encode: v is always a pointer (see Encoder).
func (e *binaryEncoder) Encode(v any) error {
	if !e.appends(v) {
		return e.gob.Encode(v)
	}
	b, err := v.(encoding.BinaryAppender).AppendBinary(e.buf[:0])
	if err != nil {
		return err
	}
	e.buf = b[:0]
	_, err = e.w.Write(b)
	return err
}

type binaryDecoder struct {
	r   io.Reader
	gob Decoder // made on first use
	typeCache
}

func (d *binaryDecoder) Decode(v any) error {
	if !d.appends(v) {
		if d.gob == nil {
			d.gob = gobCodec{}.NewDecoder(d.r)
		}
		return d.gob.Decode(v)
	}
	var data []byte
	if er, ok := d.r.(*entryReader); ok {
		// The journal's own feed: its bytes are the unit, no copy needed
		// (UnmarshalBinary copies what it keeps).
		data, er.b = er.b, nil
	} else {
		var err error
		if data, err = io.ReadAll(d.r); err != nil {
			return err
		}
	}
	return v.(encoding.BinaryUnmarshaler).UnmarshalBinary(data)
}

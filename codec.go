package prevayler

import (
	"encoding/gob"
	"encoding/json"
	"errors"
	"io"
	"reflect"
)

// Codec turns states and events into bytes and back. Its name is recorded
// in every journal's header, and a journal is read only with the codec
// that wrote it.
//
// Encoders and decoders are streams: one encoder writes every event of a
// journal in order, so a codec such as gob sends its type information
// once. Each Encode's output is stored as a unit; when decoding, the
// reader yields exactly the bytes of one Encode and then io.EOF, and the
// next Decode sees the next unit. A codec that is not a stream simply
// reads the whole unit in each Decode.
type Codec interface {
	Name() string
	NewEncoder(w io.Writer) Encoder
	NewDecoder(r io.Reader) Decoder
}

// Encoder encodes values; v is always a pointer to the value.
type Encoder interface {
	Encode(v any) error
}

// Decoder decodes values; v is always a pointer to a zero value to fill.
type Decoder interface {
	Decode(v any) error
}

// Gob is the default codec (encoding/gob). Interface-typed states and
// events work once their concrete types are registered with gob.Register.
var Gob Codec = gobCodec{}

// JSON encodes with encoding/json: journals readable by any tool, for
// concrete (non-interface) state and event types.
var JSON Codec = jsonCodec{}

type gobCodec struct{}

func (gobCodec) Name() string { return "gob" }

func (gobCodec) NewEncoder(w io.Writer) Encoder { return gobEncoder{gob.NewEncoder(w)} }

func (gobCodec) NewDecoder(r io.Reader) Decoder { return gobDecoder{gob.NewDecoder(r)} }

// ifaceBox carries an interface-typed value: gob can only send an
// interface value as a field, with its registered concrete type name.
type ifaceBox struct{ V any }

type gobEncoder struct{ enc *gob.Encoder }

func (e gobEncoder) Encode(v any) error {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.Elem().Kind() == reflect.Interface {
		return e.enc.Encode(ifaceBox{V: rv.Elem().Interface()})
	}
	return e.enc.Encode(v)
}

type gobDecoder struct{ dec *gob.Decoder }

func (d gobDecoder) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return errors.New("gob: decode needs a non-nil pointer")
	}
	if rv.Elem().Kind() != reflect.Interface {
		return d.dec.Decode(v)
	}
	var box ifaceBox
	if err := d.dec.Decode(&box); err != nil {
		return err
	}
	if box.V == nil {
		rv.Elem().SetZero()
		return nil
	}
	bv := reflect.ValueOf(box.V)
	if !bv.Type().AssignableTo(rv.Elem().Type()) {
		return errors.New("gob: decoded " + bv.Type().String() + " does not implement " + rv.Elem().Type().String())
	}
	rv.Elem().Set(bv)
	return nil
}

type jsonCodec struct{}

func (jsonCodec) Name() string { return "json" }

func (jsonCodec) NewEncoder(w io.Writer) Encoder { return jsonEncoder{w} }

func (jsonCodec) NewDecoder(r io.Reader) Decoder { return jsonDecoder{r} }

type jsonEncoder struct{ w io.Writer }

func (e jsonEncoder) Encode(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = e.w.Write(b)
	return err
}

type jsonDecoder struct{ r io.Reader }

func (d jsonDecoder) Decode(v any) error {
	b, err := io.ReadAll(d.r)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

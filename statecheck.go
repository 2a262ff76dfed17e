package prevayler

import (
	"bytes"
	"encoding"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// What the built-in codecs silently leave out of a state: encoding/gob and
// encoding/json store only exported fields (gob leaves out chan and func
// fields too), so such fields come back zero after a restart.

// checkStateType fails if the codec would store nothing of a struct state
// and warns of the fields it would leave out. It knows only Gob and JSON.
func checkStateType[S any](o *Options[S]) error {
	t := reflect.TypeFor[S]()
	var k typeKnowledge
	switch o.Codec.(type) {
	case gobCodec, binaryCodec:
		k = gobKnowledge
	case jsonCodec:
		k = jsonKnowledge
	default:
		return nil
	}
	top := t
	for top.Kind() == reflect.Pointer {
		top = top.Elem()
	}
	if top.Kind() == reflect.Struct && !k.custom(top) && !k.anyStored(top) {
		return fmt.Errorf("prevayler: the state type %v has no exported fields: the %s codec would store none of it; export its fields or make it a %s",
			t, o.Codec.Name(), k.marshaler)
	}
	var dropped []string
	k.walk(t, map[reflect.Type]bool{}, &dropped)
	if len(dropped) > 0 {
		o.Logger.Warn("prevayler: the state has fields the codec does not store: they come back zero after a restart",
			"codec", o.Codec.Name(), "fields", strings.Join(dropped, ", "))
	}
	return nil
}

// typeKnowledge is what one codec stores of a type.
type typeKnowledge struct {
	marshaler  string         // how a type takes over its own encoding, for messages
	interfaces []reflect.Type // implementing one means the type encodes itself
	embedded   bool           // exported fields of unexported embedded structs are stored
	funcsChans bool           // exported chan and func fields are left out, not an error
}

var (
	gobKnowledge = typeKnowledge{
		marshaler:  "gob.GobEncoder",
		interfaces: []reflect.Type{reflect.TypeFor[gob.GobEncoder](), reflect.TypeFor[encoding.BinaryMarshaler]()},
		funcsChans: true,
	}
	jsonKnowledge = typeKnowledge{
		marshaler:  "json.Marshaler",
		interfaces: []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()},
		embedded:   true,
	}
)

func (k typeKnowledge) custom(t reflect.Type) bool {
	for _, i := range k.interfaces {
		if t.Implements(i) || reflect.PointerTo(t).Implements(i) {
			return true
		}
	}
	return false
}

// stored reports whether the codec stores struct field f.
func (k typeKnowledge) stored(f reflect.StructField) bool {
	if k.funcsChans && (f.Type.Kind() == reflect.Chan || f.Type.Kind() == reflect.Func) {
		return false
	}
	return f.IsExported() || k.embedded && f.Anonymous && f.Type.Kind() == reflect.Struct
}

func (k typeKnowledge) anyStored(t reflect.Type) bool {
	for i := range t.NumField() {
		if f := t.Field(i); k.stored(f) && f.Name != "_" {
			return true
		}
	}
	return false
}

// walk lists, as Type.field, the fields reachable from t that the codec
// leaves out.
func (k typeKnowledge) walk(t reflect.Type, seen map[reflect.Type]bool, dropped *[]string) {
	if seen[t] || k.custom(t) {
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		k.walk(t.Elem(), seen, dropped)
	case reflect.Map:
		k.walk(t.Key(), seen, dropped)
		k.walk(t.Elem(), seen, dropped)
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Name == "_" {
				continue
			}
			if !k.stored(f) {
				*dropped = append(*dropped, t.String()+"."+f.Name)
				continue
			}
			k.walk(f.Type, seen, dropped)
		}
	}
}

// checkRoundTrip encodes and decodes the state, as a snapshot and the next
// start-up would, and fails naming the first difference (Options.CheckState).
func checkRoundTrip[S any](c Codec, state S) error {
	var buf bytes.Buffer
	if err := encodeSafely(func() Encoder { return c.NewEncoder(&buf) }, &state); err != nil {
		return fmt.Errorf("prevayler: Options.CheckState: %w", unencodable(err))
	}
	var back S
	var dec Decoder
	if err := decodeSafely(&dec, func() Decoder { return c.NewDecoder(&buf) }, &back); err != nil {
		return fmt.Errorf("prevayler: Options.CheckState: the state does not decode after encoding with the %s codec: %w", c.Name(), err)
	}
	if d := firstDifference(reflect.ValueOf(&state).Elem(), reflect.ValueOf(&back).Elem()); d != "" {
		return fmt.Errorf("prevayler: Options.CheckState: %w with the %s codec as it is: %s (unexported fields are not stored)", ErrUnencodable, c.Name(), d)
	}
	return nil
}

package prevayler

import (
	"fmt"
	"math"
	"reflect"
)

// firstDifference compares a state with its copy after encoding and
// decoding, and describes the first difference, or returns "" if there is
// none. It differs from reflect.DeepEqual where a codec is right to: a nil
// and an empty slice or map are equal (gob sends neither), so are two NaNs,
// and a type with an Equal method (time.Time) is compared with it.
func firstDifference(a, b reflect.Value) string {
	d := differ{seen: map[visit]bool{}}
	return d.diff("state", a, b)
}

type visit struct {
	a, b uintptr
	t    reflect.Type
}

type differ struct{ seen map[visit]bool }

func (d *differ) diff(path string, a, b reflect.Value) string {
	if a.IsValid() != b.IsValid() {
		return fmt.Sprintf("%s: %s before, %s after", path, show(a), show(b))
	}
	if !a.IsValid() {
		return ""
	}
	if a.Type() != b.Type() {
		return fmt.Sprintf("%s: a %v before, a %v after", path, a.Type(), b.Type())
	}
	if eq, ok := equalMethod(a, b); ok {
		if eq {
			return ""
		}
		return differs(path, a, b)
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() == b.IsNil() {
				return ""
			}
			return differs(path, a, b)
		}
		v := visit{a.Pointer(), b.Pointer(), a.Type()}
		if d.seen[v] {
			return ""
		}
		d.seen[v] = true
		return d.diff(path, a.Elem(), b.Elem())
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() == b.IsNil() {
				return ""
			}
			return differs(path, a, b)
		}
		return d.diff(path, a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if s := d.diff(path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i)); s != "" {
				return s
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d elements before, %d after", path, a.Len(), b.Len())
		}
		if a.Kind() == reflect.Slice && a.Len() > 0 {
			v := visit{a.Pointer(), b.Pointer(), a.Type()}
			if d.seen[v] {
				return ""
			}
			d.seen[v] = true
		}
		for i := range a.Len() {
			if s := d.diff(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); s != "" {
				return s
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d entries before, %d after", path, a.Len(), b.Len())
		}
		iter := a.MapRange()
		for iter.Next() {
			k := iter.Key()
			at := fmt.Sprintf("%s[%s]", path, show(k))
			bv := b.MapIndex(k)
			if !bv.IsValid() {
				return at + ": missing after"
			}
			if s := d.diff(at, iter.Value(), bv); s != "" {
				return s
			}
		}
		return ""
	case reflect.Float32, reflect.Float64:
		x, y := a.Float(), b.Float()
		if x == y || math.IsNaN(x) && math.IsNaN(y) {
			return ""
		}
	case reflect.Complex64, reflect.Complex128:
		if a.Complex() == b.Complex() {
			return ""
		}
	case reflect.Bool:
		if a.Bool() == b.Bool() {
			return ""
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if a.Int() == b.Int() {
			return ""
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if a.Uint() == b.Uint() {
			return ""
		}
	case reflect.String:
		if a.String() == b.String() {
			return ""
		}
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		if a.IsNil() && b.IsNil() {
			return ""
		}
	}
	return differs(path, a, b)
}

// equalMethod compares with a method Equal(T) bool, if T has one and the
// values are reachable through exported fields.
func equalMethod(a, b reflect.Value) (eq, ok bool) {
	if !a.CanInterface() {
		return false, false
	}
	m := a.MethodByName("Equal")
	if !m.IsValid() {
		return false, false
	}
	mt := m.Type()
	if mt.NumIn() != 1 || mt.In(0) != a.Type() || mt.NumOut() != 1 || mt.Out(0).Kind() != reflect.Bool {
		return false, false
	}
	return m.Call([]reflect.Value{b})[0].Bool(), true
}

func differs(path string, a, b reflect.Value) string {
	return fmt.Sprintf("%s: %s before, %s after", path, show(a), show(b))
}

// show formats a value briefly; fmt reads unexported fields too.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	s := fmt.Sprintf("%v", v)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

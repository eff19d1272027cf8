package krmio

import (
	"encoding"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The direct encoder writes a typed value (a generated object, a result)
// as an item of the items or results list, byte for byte as yaml.v3 with
// indent 2 and compact sequences would (then indented by
// writeSequenceItem), without yaml.v3's reflection per value, event queue
// and emitter: encoding the generated objects was 40% of a run
// (docs/performance.md). It knows the subset of Go types the function's
// own objects use (structs with yaml tags, strings, integers, booleans,
// slices, string-keyed maps, pointers, interfaces); anything else, and any
// string yaml.v3 would not write on one line, makes it give up on the
// whole value, which is then encoded with yaml.v3 as before. yaml.v3
// decides the quoting of every string that is not plainly safe, once per
// distinct string. TestDirectEncoderMatchesYAMLv3 (package fn) compares
// the two over every golden and property fleet.

// directEncoding switches the direct encoder on (the yaml.v3 path is the
// reference the tests compare it with).
var directEncoding = true

// directFallbacks counts the values the direct encoder left to yaml.v3.
var directFallbacks int

// DirectFallbacks is how many values the direct encoder has left to
// yaml.v3 so far in this process (for tests).
func DirectFallbacks() int { return directFallbacks }

// SetDirectEncoding switches the direct encoder on or off and returns a
// function that restores the previous setting (for tests).
func SetDirectEncoding(on bool) (restore func()) {
	old := directEncoding
	directEncoding = on
	return func() { directEncoding = old }
}

type planKind int

const (
	pUnsupported planKind = iota
	pString
	pInt
	pUint
	pBool
	pStruct
	pMap // string keys
	pSlice
	pPtr
	pIface
)

type field struct {
	name      string
	index     int
	omitEmpty bool
	plan      *typePlan
}

type typePlan struct {
	kind   planKind
	fields []field
	elem   *typePlan
}

var plans sync.Map // reflect.Type -> *typePlan

var (
	marshalerType     = reflect.TypeFor[yaml.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[yaml.IsZeroer]()
)

func planOf(t reflect.Type) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	building := map[reflect.Type]*typePlan{}
	p := build(t, building)
	for bt, bp := range building {
		plans.LoadOrStore(bt, bp)
	}
	return p
}

func build(t reflect.Type, building map[reflect.Type]*typePlan) *typePlan {
	if p, ok := plans.Load(t); ok {
		return p.(*typePlan)
	}
	if p := building[t]; p != nil {
		return p
	}
	p := &typePlan{}
	building[t] = p
	if t.Kind() != reflect.Interface && (t.Implements(marshalerType) || t.Implements(textMarshalerType) || t.Implements(isZeroerType) ||
		reflect.PointerTo(t).Implements(marshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) || reflect.PointerTo(t).Implements(isZeroerType)) {
		return p // yaml.v3 would call them
	}
	switch t.Kind() {
	case reflect.String:
		p.kind = pString
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if t != reflect.TypeFor[yaml.Kind]() && t.PkgPath() != "time" {
			p.kind = pInt
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		p.kind = pUint
	case reflect.Bool:
		p.kind = pBool
	case reflect.Interface:
		if t.NumMethod() == 0 {
			p.kind = pIface
		}
	case reflect.Pointer:
		p.kind, p.elem = pPtr, build(t.Elem(), building)
	case reflect.Slice:
		if t.Elem().Kind() != reflect.Uint8 {
			p.kind, p.elem = pSlice, build(t.Elem(), building)
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Key().PkgPath() == "" {
			p.kind, p.elem = pMap, build(t.Elem(), building)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("yaml")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if f.Anonymous || (opts != "" && opts != "omitempty") {
				return p // inline, flow: not this encoder's
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			p.fields = append(p.fields, field{name: name, index: i, omitEmpty: opts == "omitempty", plan: build(f.Type, building)})
		}
		p.kind = pStruct
	}
	return p
}

// directEncoder appends values as YAML.
type directEncoder struct {
	b []byte
	// quoted caches yaml.v3's rendering of strings that are not plainly
	// safe ("" when it takes more than one line).
	quoted map[string]string
	failed bool
}

// item appends v as an item of a block sequence at column 0 ("- " and the
// value's lines), or reports false when it cannot write v as yaml.v3 would.
func (e *directEncoder) item(v any) bool {
	e.b, e.failed = e.b[:0], false
	rv := reflect.ValueOf(v)
	p := planOf(rv.Type())
	for p.kind == pPtr && !rv.IsNil() {
		rv, p = rv.Elem(), p.elem
	}
	if p.kind != pStruct {
		return false
	}
	if e.empty(rv, p) {
		e.b = append(e.b, "- {}\n"...)
		return !e.failed
	}
	e.b = append(e.b, "- "...)
	e.mapping(rv, p, 2, true)
	return !e.failed
}

func (e *directEncoder) indent(n int) {
	for range n {
		e.b = append(e.b, ' ')
	}
}

// deref follows pointers and interfaces; ok is false at a nil one.
func deref(v reflect.Value, p *typePlan) (reflect.Value, *typePlan, bool) {
	for {
		switch p.kind {
		case pPtr:
			if v.IsNil() {
				return v, p, false
			}
			v, p = v.Elem(), p.elem
		case pIface:
			if v.IsNil() {
				return v, p, false
			}
			v = v.Elem()
			p = planOf(v.Type())
		default:
			return v, p, true
		}
	}
}

// empty reports whether a mapping or sequence has no entries to write.
func (e *directEncoder) empty(v reflect.Value, p *typePlan) bool {
	switch p.kind {
	case pStruct:
		for _, f := range p.fields {
			if !f.omitEmpty || !isZero(v.Field(f.index), f.plan) {
				return false
			}
		}
		return true
	case pMap, pSlice:
		return v.Len() == 0
	}
	return false
}

// isZero is yaml.v3's omitempty test for the kinds the encoder knows.
func isZero(v reflect.Value, p *typePlan) bool {
	switch p.kind {
	case pString:
		return v.Len() == 0
	case pInt:
		return v.Int() == 0
	case pUint:
		return v.Uint() == 0
	case pBool:
		return !v.Bool()
	case pPtr, pIface:
		return v.IsNil()
	case pMap, pSlice:
		return v.Len() == 0
	case pStruct:
		for _, f := range p.fields {
			if !isZero(v.Field(f.index), f.plan) {
				return false
			}
		}
		return true
	}
	return false
}

// mapping writes the entries of a non-empty struct or map at indent ind;
// inline: the first key goes on the current line (after "- ").
func (e *directEncoder) mapping(v reflect.Value, p *typePlan, ind int, inline bool) {
	key := func(k string) {
		if inline {
			inline = false
		} else {
			e.indent(ind)
		}
		if len(k) > 120 { // yaml.v3 writes long keys as "? key"
			e.failed = true
		}
		e.scalarString(k)
		e.b = append(e.b, ':')
	}
	switch p.kind {
	case pStruct:
		for _, f := range p.fields {
			fv := v.Field(f.index)
			if f.omitEmpty && isZero(fv, f.plan) {
				continue
			}
			key(f.name)
			e.value(fv, f.plan, ind)
		}
	case pMap:
		keys := v.MapKeys()
		names := make([]string, len(keys))
		for i, k := range keys {
			names[i] = k.String()
		}
		sortKeys(names, keys)
		for i, k := range keys {
			key(names[i])
			e.value(v.MapIndex(k), p.elem, ind)
		}
	default:
		e.failed = true
	}
}

// value writes what follows "key:" for a mapping entry at indent ind.
func (e *directEncoder) value(v reflect.Value, p *typePlan, ind int) {
	v, p, ok := deref(v, p)
	if !ok {
		e.b = append(e.b, " null\n"...)
		return
	}
	switch p.kind {
	case pStruct, pMap:
		if e.empty(v, p) {
			e.b = append(e.b, " {}\n"...)
			return
		}
		e.b = append(e.b, '\n')
		e.mapping(v, p, ind+2, false)
	case pSlice:
		if v.Len() == 0 {
			e.b = append(e.b, " []\n"...)
			return
		}
		e.b = append(e.b, '\n')
		e.sequence(v, p, ind)
	default:
		e.b = append(e.b, ' ')
		e.scalar(v, p)
		e.b = append(e.b, '\n')
	}
}

// sequence writes the elements of a non-empty slice at indent ind.
func (e *directEncoder) sequence(v reflect.Value, p *typePlan, ind int) {
	for i := range v.Len() {
		e.indent(ind)
		e.b = append(e.b, "- "...)
		ev, ep, ok := deref(v.Index(i), p.elem)
		if !ok {
			e.b = append(e.b, "null\n"...)
			continue
		}
		switch ep.kind {
		case pStruct, pMap:
			if e.empty(ev, ep) {
				e.b = append(e.b, "{}\n"...)
				continue
			}
			e.mapping(ev, ep, ind+2, true)
		case pSlice:
			e.failed = true // a sequence in a sequence: not used by the function
			return
		default:
			e.scalar(ev, ep)
			e.b = append(e.b, '\n')
		}
	}
}

func (e *directEncoder) scalar(v reflect.Value, p *typePlan) {
	switch p.kind {
	case pString:
		e.scalarString(v.String())
	case pInt:
		e.b = strconv.AppendInt(e.b, v.Int(), 10)
	case pUint:
		e.b = strconv.AppendUint(e.b, v.Uint(), 10)
	case pBool:
		e.b = strconv.AppendBool(e.b, v.Bool())
	default:
		e.failed = true
	}
}

// quotedCached: strings up to this long have their quoted form cached;
// longer ones (the results' messages) are each written once, and caching
// them would hold every message until the end of the output.
const quotedCached = 64

// scalarString writes s as yaml.v3 would in block context: plain when it
// is plainly safe, else as yaml.v3 writes it alone (quoted), when that is
// one line.
func (e *directEncoder) scalarString(s string) {
	if plainSafe(s) {
		e.b = append(e.b, s...)
		return
	}
	q, ok := e.quoted[s]
	if !ok {
		out, err := yaml.Marshal(s)
		q = strings.TrimSuffix(string(out), "\n")
		if err != nil || strings.Contains(q, "\n") {
			q = ""
		}
		if e.quoted == nil {
			e.quoted = map[string]string{}
		}
		if len(s) <= quotedCached {
			e.quoted[s] = q
		}
	}
	if q == "" {
		e.failed = true
		return
	}
	e.b = append(e.b, q...)
}

// plainSafe: a string yaml.v3 writes as it is, without asking it: a letter
// first, then letters, digits and . _ / -, and not a word YAML reads as a
// boolean or null (yaml.v3 also quotes YAML 1.1's y/n/yes/no/on/off).
// Anything else (digits first, so numbers and dates; spaces; other
// punctuation) is left to yaml.v3.
func plainSafe(s string) bool {
	if s == "" {
		return false
	}
	if c := s[0]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '/' || c == '-') {
			return false
		}
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "true", "false", "null", "y", "yes", "n", "no", "on", "off":
			return false
		}
	}
	return true
}

// sortKeys sorts map keys (and their values alongside) in yaml.v3's order.
func sortKeys(names []string, keys []reflect.Value) {
	idx := make([]int, len(names))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(i, j int) int {
		switch {
		case keyLess(names[i], names[j]):
			return -1
		case keyLess(names[j], names[i]):
			return 1
		}
		return 0
	})
	sortedNames := make([]string, len(names))
	sortedKeys := make([]reflect.Value, len(keys))
	for to, from := range idx {
		sortedNames[to], sortedKeys[to] = names[from], keys[from]
	}
	copy(names, sortedNames)
	copy(keys, sortedKeys)
}

// keyLess is yaml.v3's order of string map keys (sorter.go keyList.Less):
// letters before digits unless inside a number, runs of digits compared as
// numbers.
func keyLess(a, b string) bool {
	if ascii(a) && ascii(b) {
		return keyLessASCII(a, b)
	}
	return keyLessRunes(a, b)
}

func keyLessRunes(a, b string) bool {
	ar, br := []rune(a), []rune(b)
	digits := false
	for i := 0; i < len(ar) && i < len(br); i++ {
		if ar[i] == br[i] {
			digits = unicode.IsDigit(ar[i])
			continue
		}
		al := unicode.IsLetter(ar[i])
		bl := unicode.IsLetter(br[i])
		if al && bl {
			return ar[i] < br[i]
		}
		if al || bl {
			if digits {
				return al
			}
			return bl
		}
		var ai, bi int
		var an, bn int64
		if ar[i] == '0' || br[i] == '0' {
			for j := i - 1; j >= 0 && unicode.IsDigit(ar[j]); j-- {
				if ar[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(ar) && unicode.IsDigit(ar[ai]); ai++ {
			an = an*10 + int64(ar[ai]-'0')
		}
		for bi = i; bi < len(br) && unicode.IsDigit(br[bi]); bi++ {
			bn = bn*10 + int64(br[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return ar[i] < br[i]
	}
	return len(ar) < len(br)
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// keyLessASCII is keyLess for ASCII strings, byte by byte.
func keyLessASCII(a, b string) bool {
	digits := false
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			digits = isDigit(a[i])
			continue
		}
		al, bl := isLetter(a[i]), isLetter(b[i])
		if al && bl {
			return a[i] < b[i]
		}
		if al || bl {
			if digits {
				return al
			}
			return bl
		}
		var ai, bi int
		var an, bn int64
		if a[i] == '0' || b[i] == '0' {
			for j := i - 1; j >= 0 && isDigit(a[j]); j-- {
				if a[j] != '0' {
					an = 1
					bn = 1
					break
				}
			}
		}
		for ai = i; ai < len(a) && isDigit(a[ai]); ai++ {
			an = an*10 + int64(a[ai]-'0')
		}
		for bi = i; bi < len(b) && isDigit(b[bi]); bi++ {
			bn = bn*10 + int64(b[bi]-'0')
		}
		if an != bn {
			return an < bn
		}
		if ai != bi {
			return ai < bi
		}
		return a[i] < b[i]
	}
	return len(a) < len(b)
}

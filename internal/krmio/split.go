package krmio

import (
	"bytes"
	"unicode/utf8"
)

// keepChomping finds block scalar headers with the keep indicator (|+, >2+):
// their trailing blank lines are content, which line-based splitting would
// hand to the next item. It matches what the regular expression [|>][1-9]?\+
// matches, with one pass over the bytes (the regexp took a tenth of a run).
func keepChomping(data []byte) bool {
	for i := 0; i < len(data); i++ {
		j := bytes.IndexAny(data[i:], "|>")
		if j < 0 {
			return false
		}
		i += j
		k := i + 1
		if k < len(data) && data[k] >= '1' && data[k] <= '9' {
			k++
		}
		if k < len(data) && data[k] == '+' {
			return true
		}
	}
	return false
}

// rawSections is a block-style ResourceList cut into its top-level keys and
// its items, without parsing. kpt and kustomize write ResourceLists this
// way; splitting first lets each item be parsed, used and dropped on its
// own (memory stays near the input size) and lets pass-through items be
// written back byte for byte.
type rawSections struct {
	// top holds the text of every top-level key but items: "key: value..."
	// with its continuation lines.
	top   map[string][]byte
	items []rawItem
}

// rawItem is one entry of items: the item as written, re-based to column 0
// ("- apiVersion: ..."), head comments included. It is parsed as a
// one-item sequence, so its text means exactly what it meant in the list.
type rawItem []byte

// splitResourceList cuts data into sections. ok is false whenever the input
// is not plain block style (flow-style items, several documents, CRLF line
// ends, unusual indentation...): the caller then parses the whole document.
func splitResourceList(data []byte) (rawSections, bool) {
	s := rawSections{top: map[string][]byte{}}
	if bytes.ContainsAny(data, "\r\t") || bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) || keepChomping(data) ||
		!bytes.HasSuffix(data, []byte("\n")) || !printable(data) {
		// CR line ends, tabs, a byte order mark, block scalars that keep
		// trailing blank lines, a last line without its newline (which a
		// final block scalar would notice), and characters YAML does not
		// allow (which the parser must report, even in comments the
		// splitter skips) are left to the full parser.
		return s, false
	}
	lines := splitLines(data)
	i := 0
	if i < len(lines) && isDocStart(lines[i]) {
		i++
	}
	sawItems := false
	for i < len(lines) {
		line := lines[i]
		switch {
		case isBlankOrComment(line):
			i++
			continue
		case isDocStart(line) || bytes.HasPrefix(line, []byte("...")):
			return s, false // several documents: leave it to the parser
		case line[0] == ' ' || line[0] == '-':
			return s, false // content outside a top-level key
		}
		key, rest, found := bytes.Cut(line, []byte(":"))
		if !found || len(key) == 0 || bytes.ContainsAny(key, "\"'{}[]&*!|>%@`,?# ") {
			return s, false
		}
		end := i + 1
		for end < len(lines) && (len(lines[end]) == 0 || lines[end][0] == ' ' || lines[end][0] == '#' || lines[end][0] == '-') {
			end++
		}
		// Trailing comments at column 0 belong to whatever key comes next.
		last := end
		for last > i+1 && isBlankOrComment(lines[last-1]) && !bytes.HasPrefix(lines[last-1], []byte(" ")) {
			last--
		}
		if string(key) == "items" {
			if s.items != nil || sawItems {
				return s, false // twice: the parser reports it (or a scalar ran on)
			}
			sawItems = true
			if v := bytes.TrimSpace(rest); len(v) > 0 && string(v) != "[]" {
				return s, false // flow style or a scalar: the parser explains it
			}
			items, ok := splitItems(data, lines[i+1:last])
			if !ok {
				return s, false
			}
			s.items = items
		} else {
			if _, dup := s.top[string(key)]; dup {
				return s, false
			}
			s.top[string(key)] = joinLines(lines[i:last])
		}
		i = last
	}
	return s, true
}

// splitItems cuts the lines of a block sequence into items. Comment lines
// at the sequence's indentation (or less) just above an item are its head
// comments; deeper ones stay with the item above.
func splitItems(data []byte, lines [][]byte) ([]rawItem, bool) {
	indent := -1
	var starts []int
	for i, l := range lines {
		if isBlankOrComment(l) {
			continue
		}
		sp := leadingSpaces(l)
		if indent < 0 {
			indent = sp
		}
		if sp < indent {
			return nil, false
		}
		if sp == indent {
			if l[sp] != '-' || (len(l) > sp+1 && l[sp+1] != ' ') {
				return nil, false
			}
			starts = append(starts, i)
		}
	}
	if len(starts) == 0 {
		return nil, indent < 0 // only comments: no items
	}
	heads := make([]int, len(starts))
	for k, st := range starts {
		h := st
		for k > 0 && h-1 > starts[k-1] && isBlankOrComment(lines[h-1]) && leadingSpaces(lines[h-1]) <= indent {
			h--
		}
		heads[k] = h
	}
	heads[0] = 0
	items := make([]rawItem, 0, len(starts))
	for k := range starts {
		end := len(lines)
		if k+1 < len(starts) {
			end = heads[k+1]
		}
		it, ok := makeItem(data, lines[heads[k]:end], indent)
		if !ok {
			return nil, false
		}
		items = append(items, it)
	}
	return items, true
}

// makeItem re-bases an item's lines to column 0. Blank lines at its end are
// dropped: they mean nothing (keep-chomping scalars are not split), and
// after the last item they would not survive a second run.
//
// Items at column 0 (what kpt and kustomize write) are already as written:
// the item is then the piece of data its lines span, not a copy, so the
// input is held once however many items it has. data is the input the
// lines were cut from (splitLines).
func makeItem(data []byte, lines [][]byte, indent int) (rawItem, bool) {
	for len(lines) > 0 && len(bytes.TrimLeft(lines[len(lines)-1], " ")) == 0 {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return nil, true
	}
	if indent == 0 {
		first, last := lines[0], lines[len(lines)-1]
		start := cap(data) - cap(first)
		end := cap(data) - cap(last) + len(last) + 1 // its newline
		return rawItem(data[start:end:end]), true
	}
	size := 0
	for _, l := range lines {
		size += len(l) + 1
	}
	entry := make([]byte, 0, size)
	for _, l := range lines {
		switch {
		case leadingSpaces(l) >= indent:
			l = l[indent:]
		case isBlankOrComment(l):
			l = bytes.TrimLeft(l, " ")
		default:
			return nil, false
		}
		entry = append(entry, l...)
		entry = append(entry, '\n')
	}
	return entry, true
}

// printable reports whether data is valid UTF-8 made of characters YAML
// allows in a stream (besides tab and CR, handled above).
func printable(data []byte) bool {
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			if (c < 0x20 && c != '\n') || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError || (r >= 0x80 && r <= 0x9f && r != 0x85) || r == 0xfeff || r >= 0xfffe && r <= 0xffff {
			return false
		}
		i += size
	}
	return true
}

// splitLines cuts data into lines without their newlines. Each line keeps
// the capacity of the rest of data (not bytes.Split's), so where it starts
// in data is cap(data)-cap(line): makeItem uses that to hand out an item's
// text as a piece of the input instead of a copy.
func splitLines(data []byte) [][]byte {
	lines := make([][]byte, 0, bytes.Count(data, []byte("\n"))+1)
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, data)
			break
		}
		lines = append(lines, data[:i])
		data = data[i+1:]
	}
	return lines
}

func joinLines(lines [][]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func isDocStart(l []byte) bool {
	return bytes.Equal(l, []byte("---")) || bytes.HasPrefix(l, []byte("--- "))
}

func isBlankOrComment(l []byte) bool {
	t := bytes.TrimLeft(l, " ")
	return len(t) == 0 || t[0] == '#'
}

func leadingSpaces(l []byte) int {
	n := 0
	for n < len(l) && l[n] == ' ' {
		n++
	}
	return n
}

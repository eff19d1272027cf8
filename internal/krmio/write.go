package krmio

import (
	"bufio"
	"bytes"
	"io"
	"iter"

	"go.yaml.in/yaml/v3"
)

// Document is one value to write: a YAML node kept from the input, or a
// typed value (a generated object, a result).
type Document struct {
	raw   []byte // an item's exact text as a sequence entry at column 0
	node  *yaml.Node
	value any
}

// Value is a typed value to write (a generated object, a result), encoded
// with its yaml tags.
func Value(v any) Document { return Document{value: v} }

// Node is a YAML node to write as it is.
func Node(n *yaml.Node) Document { return Document{node: n} }

// Write encodes the output ResourceList. Each item is encoded on its own and
// indented into place: yaml.v3's emitter keeps every event of a document
// queued until the document ends, so one large document holds the whole
// output's events at once (half the allocation and most of the peak memory
// of encoding it whole; docs/performance.md), and items are independent
// anyway.
//
// more, when not nil, yields the items after items (the generated objects),
// and results the results: each is written as it comes and dropped, so a
// caller that builds them on demand never holds them all.
func Write(w io.Writer, items []Document, more iter.Seq[Document], functionConfig *yaml.Node, results iter.Seq[Document]) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var scratch bytes.Buffer
	var direct directEncoder
	bw.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	wrote := false
	write := func(d Document) error {
		if !wrote {
			bw.WriteString("items:\n")
			wrote = true
		}
		return writeItem(bw, &scratch, &direct, d)
	}
	for _, d := range items {
		if err := write(d); err != nil {
			return err
		}
	}
	if more != nil {
		for d := range more {
			if err := write(d); err != nil {
				return err
			}
		}
	}
	if !wrote {
		bw.WriteString("items: []\n")
	}
	if functionConfig != nil {
		if err := encodeDoc(&scratch, Document{node: functionConfig}); err != nil {
			return err
		}
		bw.WriteString("functionConfig:")
		writeMappingValue(bw, scratch.Bytes())
	}
	if results != nil {
		first := true
		for d := range results {
			if first {
				bw.WriteString("results:\n")
				first = false
			}
			if err := writeItem(bw, &scratch, &direct, d); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// writeItem writes d as an item of a block sequence at column 0: its
// original bytes, or the direct encoder's output, or yaml.v3's.
func writeItem(bw *bufio.Writer, scratch *bytes.Buffer, direct *directEncoder, d Document) error {
	if d.raw != nil {
		_, err := bw.Write(d.raw)
		return err
	}
	if d.node == nil && directEncoding {
		if direct.item(d.value) {
			_, err := bw.Write(direct.b)
			return err
		}
		directFallbacks++
	}
	if err := encodeDoc(scratch, d); err != nil {
		return err
	}
	writeSequenceItem(bw, scratch.Bytes())
	return nil
}

// encodeDoc writes d as a standalone YAML document into buf.
func encodeDoc(buf *bytes.Buffer, d Document) error {
	buf.Reset()
	enc := yaml.NewEncoder(buf)
	enc.SetIndent(2)
	enc.CompactSeqIndent()
	var err error
	if d.node != nil {
		err = enc.Encode(d.node)
	} else {
		err = enc.Encode(d.value)
	}
	if err != nil {
		return err
	}
	return enc.Close()
}

// writeSequenceItem writes a block document as an item of a block
// sequence at column 0: the first line gets "- " and every later non-empty
// line two spaces. A head comment thus stays inside its item ("- # c");
// put before the "- " it would be read back as a comment of the sequence
// and grow on every run.
func writeSequenceItem(w *bufio.Writer, doc []byte) {
	first := true
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		switch {
		case first && len(line) == 0:
			continue // leading blank lines
		case first:
			w.WriteString("- ")
			first = false
		case len(line) > 0:
			w.WriteString("  ")
		}
		w.Write(line)
		w.WriteByte('\n')
	}
	if first {
		w.WriteString("-\n") // an empty document: a null item, as written
	}
}

// writeMappingValue writes a block document as the value of a key that has
// just been written (without its newline).
func writeMappingValue(w *bufio.Writer, doc []byte) {
	trimmed := bytes.TrimSpace(doc)
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && bytes.Count(trimmed, []byte("\n")) == 0 {
		w.WriteByte(' ')
		w.Write(trimmed)
		w.WriteByte('\n')
		return
	}
	w.WriteByte('\n')
	for len(doc) > 0 {
		line := doc
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, doc = doc[:i], doc[i+1:]
		} else {
			doc = nil
		}
		if len(line) > 0 {
			w.WriteString("  ")
		}
		w.Write(line)
		w.WriteByte('\n')
	}
}

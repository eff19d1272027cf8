package review

import (
	"bufio"
	"encoding/json"
	"io"
)

// The JSON writers stream element by element: a 10,000-Package report is
// tens of megabytes, and encoding it in one piece would hold it (and its
// indented copy) in memory at once.

// WriteReportJSON writes a report as JSON (schemas/review.schema.json).
func WriteReportJSON(w io.Writer, r Report) error {
	jw := newJSONWriter(w)
	jw.raw("{\n")
	jw.field("apiVersion", r.APIVersion, false)
	jw.field("kind", r.Kind, false)
	writeArray(jw, "grants", r.Grants, false)
	if r.Effect != nil {
		jw.raw("  \"effect\": {\n  ")
		writeArray(jw, "identities", r.Effect.Identities, false)
		jw.raw("  ")
		writeArray(jw, "endpoints", r.Effect.Endpoints, false)
		jw.raw("  ")
		writeCompactArray(jw, "cells", r.Effect.Cells, false)
		jw.raw("  ")
		jw.field("unmodelled", r.Effect.Unmodelled, true)
		jw.raw("  },\n")
	}
	writeArray(jw, "results", r.Results, true)
	jw.raw("}\n")
	return jw.flush()
}

// WriteDiffJSON writes a diff as JSON (schemas/review.schema.json).
func WriteDiffJSON(w io.Writer, d Diff) error {
	jw := newJSONWriter(w)
	jw.raw("{\n")
	jw.field("apiVersion", d.APIVersion, false)
	jw.field("kind", d.Kind, false)
	writeArray(jw, "added", d.Added, false)
	writeArray(jw, "removed", d.Removed, false)
	writeArray(jw, "changed", d.Changed, false)
	if d.Effect != nil {
		jw.field("effect", d.Effect, false)
	}
	jw.field("results", d.Results, true)
	jw.raw("}\n")
	return jw.flush()
}

type jsonWriter struct {
	w   *bufio.Writer
	err error
}

func newJSONWriter(w io.Writer) *jsonWriter { return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)} }

func (j *jsonWriter) raw(s string) {
	if j.err == nil {
		_, j.err = j.w.WriteString(s)
	}
}

func (j *jsonWriter) value(v any, indent string) {
	if j.err != nil {
		return
	}
	b, err := json.MarshalIndent(v, indent, "  ")
	if err != nil {
		j.err = err
		return
	}
	_, j.err = j.w.Write(b)
}

func (j *jsonWriter) field(name string, v any, last bool) {
	j.raw("  ")
	j.value(name, "")
	j.raw(": ")
	j.value(v, "  ")
	j.raw(comma(last) + "\n")
}

func (j *jsonWriter) flush() error {
	if j.err != nil {
		return j.err
	}
	return j.w.Flush()
}

func writeArray[T any](j *jsonWriter, name string, items []T, last bool) {
	j.raw("  ")
	j.value(name, "")
	if len(items) == 0 {
		j.raw(": []" + comma(last) + "\n")
		return
	}
	j.raw(": [\n")
	for i, it := range items {
		j.raw("    ")
		j.value(it, "    ")
		j.raw(comma(i == len(items)-1) + "\n")
	}
	j.raw("  ]" + comma(last) + "\n")
}

// writeCompactArray writes one element per line, unindented (the effect
// matrix is the largest part of a report).
func writeCompactArray[T any](j *jsonWriter, name string, items []T, last bool) {
	j.raw("  ")
	j.value(name, "")
	if len(items) == 0 {
		j.raw(": []" + comma(last) + "\n")
		return
	}
	j.raw(": [\n")
	for i, it := range items {
		if j.err != nil {
			return
		}
		b, err := json.Marshal(it)
		if err != nil {
			j.err = err
			return
		}
		j.raw("      ")
		_, j.err = j.w.Write(b)
		j.raw(comma(i == len(items)-1) + "\n")
	}
	j.raw("    ]" + comma(last) + "\n")
}

func comma(last bool) string {
	if last {
		return ""
	}
	return ","
}

package checker

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// Object is one Kubernetes object found in an input file: a top-level
// document, or an item of a KRM ResourceList (or a v1 List).
type Object struct {
	File string // path as given
	Line int    // 1-based line where the object starts in File, 0 if unknown
	Doc  int    // 0-based document index in File
	Item int    // 0-based index in the enclosing list's items, -1 for a top-level document
	// JSON is the object as the API server would receive it: YAML converted
	// to JSON the way kubectl does (sigs.k8s.io/yaml, YAML 1.1 scalars).
	JSON []byte
	// Map is JSON decoded the way the API server decodes custom resources
	// (case-sensitive, integers kept as int64).
	Map map[string]any

	APIVersion, Kind, Namespace, Name string

	// Checked is set when a layer 1 or 2 check applied to the object.
	Checked bool
}

// Where names the object's place in its file.
func (o *Object) Where() string {
	s := o.File
	if o.Line > 0 {
		s = fmt.Sprintf("%s:%d", s, o.Line)
	}
	if o.Item >= 0 {
		s += fmt.Sprintf(" (document %d, items[%d])", o.Doc, o.Item)
	} else {
		s += fmt.Sprintf(" (document %d)", o.Doc)
	}
	return s
}

// ID names the object the way kubectl does.
func (o *Object) ID() string {
	name := o.Name
	if o.Namespace != "" {
		name = o.Namespace + "/" + name
	}
	return fmt.Sprintf("%s %s %s", o.APIVersion, o.Kind, name)
}

// ReadFile reads a file of YAML (or JSON) documents and returns every object
// in it, flattening ResourceLists and v1 Lists into their items. Problems that
// stop an object from being read at all (YAML syntax, duplicate keys, a
// document that is not an object) are returned as problems.
func ReadFile(path string) ([]*Object, []Problem) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []Problem{{File: path, Layer: LayerInput, Message: err.Error()}}
	}
	return ReadBytes(path, data)
}

// ReadBytes is ReadFile on data already read; path only names it.
func ReadBytes(path string, data []byte) ([]*Object, []Problem) {
	var objs []*Object
	var probs []Problem
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, []Problem{{File: path, Layer: LayerInput, Message: err.Error()}}
	}
	for i, d := range docs {
		where := fmt.Sprintf("%s:%d (document %d)", path, d.line, i)
		// Strict: duplicate keys are an error (the API server rejects
		// duplicate fields under fieldValidation=Strict, kubectl's default).
		js, err := yaml.YAMLToJSONStrict(d.text)
		if err != nil {
			probs = append(probs, Problem{File: path, Where: where, Layer: LayerInput, Message: "YAML: " + err.Error()})
			continue
		}
		js = bytes.TrimSpace(js)
		if string(js) == "null" || len(js) == 0 {
			continue // empty or comment-only document
		}
		o, p := newObject(path, d.line, i, -1, js)
		if p != nil {
			probs = append(probs, *p)
			continue
		}
		if isList(o) {
			items, itemProbs := listItems(o, d)
			objs = append(objs, items...)
			probs = append(probs, itemProbs...)
			continue
		}
		objs = append(objs, o)
	}
	return objs, probs
}

func isList(o *Object) bool {
	switch {
	case o.Kind == "ResourceList" && strings.HasPrefix(o.APIVersion, "config.kubernetes.io/"):
		return true
	case o.Kind == "List" && o.APIVersion == "v1":
		return true
	}
	return false
}

func listItems(list *Object, d document) ([]*Object, []Problem) {
	var raw struct {
		Items []jsonRaw `json:"items"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(list.JSON, &raw); err != nil {
		return nil, []Problem{{File: list.File, Where: list.Where(), Object: list.ID(), Layer: LayerInput, Message: "items: " + err.Error()}}
	}
	lines := itemLines(d)
	var objs []*Object
	var probs []Problem
	for i, it := range raw.Items {
		line := d.line
		if i < len(lines) {
			line = lines[i]
		}
		o, p := newObject(list.File, line, list.Doc, i, []byte(it))
		if p != nil {
			probs = append(probs, *p)
			continue
		}
		objs = append(objs, o)
	}
	return objs, probs
}

// jsonRaw is json.RawMessage without importing encoding/json here.
type jsonRaw []byte

func (r *jsonRaw) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

func newObject(file string, line, doc, item int, js []byte) (*Object, *Problem) {
	o := &Object{File: file, Line: line, Doc: doc, Item: item, JSON: js}
	var m map[string]any
	strictErrs, err := sigsjson.UnmarshalStrict(js, &m, sigsjson.DisallowDuplicateFields)
	if err != nil {
		return nil, &Problem{File: file, Where: o.Where(), Layer: LayerInput, Message: "not a JSON/YAML object: " + err.Error()}
	}
	if len(strictErrs) > 0 {
		var msgs []string
		for _, e := range strictErrs {
			msgs = append(msgs, e.Error())
		}
		return nil, &Problem{File: file, Where: o.Where(), Layer: LayerInput, Message: strings.Join(msgs, "; ")}
	}
	o.Map = m
	o.APIVersion, _ = m["apiVersion"].(string)
	o.Kind, _ = m["kind"].(string)
	if md, ok := m["metadata"].(map[string]any); ok {
		o.Namespace, _ = md["namespace"].(string)
		o.Name, _ = md["name"].(string)
	}
	return o, nil
}

type document struct {
	line     int // 1-based line of the document's first line with content
	textLine int // 1-based line of text's first line
	text     []byte
}

// splitDocuments splits a YAML stream the way
// k8s.io/apimachinery/pkg/util/yaml.YAMLReader (used by kubectl and istioctl)
// does, and remembers where each document starts.
func splitDocuments(data []byte) ([]document, error) {
	var docs []document
	var cur bytes.Buffer
	start, lineNo := 1, 0
	seenContent, textLine := false, 1
	r := bufio.NewReader(bytes.NewReader(data))
	for {
		line, err := r.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(line) > 0 {
			lineNo++
		}
		if bytes.HasPrefix(line, []byte("---")) {
			trimmed := strings.TrimSpace(string(line[3:]))
			if len(trimmed) > 0 && trimmed[0] != '#' {
				return nil, fmt.Errorf("line %d: invalid YAML document separator: %s", lineNo, trimmed)
			}
			if cur.Len() > 0 {
				docs = append(docs, document{line: start, textLine: textLine, text: append([]byte(nil), cur.Bytes()...)})
				cur.Reset()
			}
			start, seenContent = lineNo+1, false
		} else {
			if t := bytes.TrimSpace(line); !seenContent {
				if len(t) == 0 || t[0] == '#' {
					start = lineNo + 1 // point at the first line with content
				} else {
					seenContent = true
				}
			}
			if cur.Len() == 0 {
				textLine = lineNo
			}
			cur.Write(line)
		}
		if err == io.EOF {
			break
		}
	}
	if cur.Len() > 0 {
		docs = append(docs, document{line: start, textLine: textLine, text: cur.Bytes()})
	}
	return docs, nil
}

// itemLines returns, best effort, the file line of each element of the
// document's top-level "items" sequence. Only for messages: the content
// itself is always read with sigs.k8s.io/yaml as kubectl reads it.
func itemLines(d document) []int {
	var n yamlv3.Node
	if err := yamlv3.Unmarshal(d.text, &n); err != nil || len(n.Content) == 0 {
		return nil
	}
	root := n.Content[0]
	if root.Kind != yamlv3.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "items" && root.Content[i+1].Kind == yamlv3.SequenceNode {
			var lines []int
			for _, it := range root.Content[i+1].Content {
				lines = append(lines, d.textLine+it.Line-1)
			}
			return lines
		}
	}
	return nil
}

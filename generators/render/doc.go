// Package render turns a plan into Kubernetes objects. The object types here
// are our own YAML-tagged structs, not the istio.io/api protobufs: those
// only marshal correctly through protojson, and plain YAML encoding of them
// silently emits proto field names. Keys are written in alphabetical order,
// as kubectl and the reference cases print them.
package render

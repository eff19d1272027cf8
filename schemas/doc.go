// Package schemas holds the typed view of the inputs uds-egress-fn reads: the
// fields of a UDS Package that matter for egress, and the function's own
// EgressConfig. It also decodes them from YAML nodes strictly, so that every
// wrong type is reported with its field path instead of being dropped.
//
// The JSON Schema files next to this package (package.schema.json and
// egressconfig.schema.json) describe the same fields for editors and
// kubeconform; a test keeps them in agreement with the Go types.
package schemas

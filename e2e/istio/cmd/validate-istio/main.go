// Command validate-istio checks Kubernetes objects of Istio's and the
// Gateway API's kinds against upstream definitions, without a cluster:
//
//	layer 1 (typed): the spec is decoded strictly into the istio.io/api
//	  protobuf types with protojson (unknown fields, bad enum names and
//	  wrong types are errors), metadata into metav1.ObjectMeta; Gateway API
//	  objects into the sigs.k8s.io/gateway-api Go types with a strict JSON
//	  decoder (unknown and duplicate fields are errors);
//	layer 2 (crd): the CRDs shipped in istio.io/api and sigs.k8s.io/gateway-api
//	  (standard and experimental channels) are applied with
//	  k8s.io/apiextensions-apiserver the way the API server applies them on
//	  create: pruning (unknown fields are errors), defaulting, OpenAPI
//	  schema, list-type invariants, CEL rules, and ObjectMeta validation.
//
// Arguments are YAML/JSON files (multi-document streams; a KRM
// ResourceList or a v1 List has its items checked) or directories (every
// *.yaml, *.yml, *.json under them). Objects of other kinds are counted and
// skipped. Exit status: 0 clean, 1 problems found, 2 could not run.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/uds-egress-fn/uds-egress-fn/e2e/istio/internal/checker"
)

func main() {
	os.Exit(run())
}

func run() int {
	fs := flag.NewFlagSet("validate-istio", flag.ContinueOnError)
	istioCRDs := fs.String("istio-crds", "", "Istio CRD file (default: kubernetes/customresourcedefinitions.gen.yaml of the istio.io/api module this binary was built with)")
	gatewayCRDs := fs.String("gateway-api-crds", "", "Gateway API config/crd directory holding standard/ and experimental/ (default: that of the sigs.k8s.io/gateway-api module this binary was built with)")
	emitDir := fs.String("emit-dir", "", "also write each input file's objects of checked kinds, ResourceLists flattened, as a plain YAML stream into this directory (for istioctl)")
	emitAll := fs.Bool("emit-all", false, "with -emit-dir, write objects of every kind (Packages, Services, ...), not only the checked kinds")
	allowWarnings := fs.Bool("allow-warnings", false, "exit 0 when only warnings (deprecated version, finalizer names) were found")
	allowEmpty := fs.Bool("allow-empty", false, "exit 0 when no object of a checked kind was found")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: validate-istio [flags] FILE|DIR...\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(os.Args[1:]); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	files, err := checker.ExpandPaths(fs.Args())
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate-istio: %v\n", err)
		return 2
	}
	c, err := checker.New(*istioCRDs, *gatewayCRDs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate-istio: loading CRDs: %v\n", err)
		return 2
	}
	r := c.CheckFiles(files)
	r.Write(os.Stdout)
	if *emitDir != "" {
		written, err := checker.EmitFlat(r, *emitDir, *emitAll)
		if err != nil {
			fmt.Fprintf(os.Stderr, "validate-istio: writing flattened files: %v\n", err)
			return 2
		}
		for i, w := range written {
			if w == "" {
				w = "(no object of a checked kind: nothing written)"
			}
			fmt.Fprintf(os.Stderr, "validate-istio: %s -> %s\n", r.Files[i].File, w)
		}
	}
	total := 0
	for _, n := range r.Checked {
		total += n
	}
	switch {
	case r.Errors() > 0:
		return 1
	case r.Warnings() > 0 && !*allowWarnings:
		return 1
	case total == 0 && !*allowEmpty:
		fmt.Println("validate-istio: no object of a checked kind found; nothing was proven (use -allow-empty to accept)")
		return 1
	}
	return 0
}

// Command ociarchive writes the images of a `docker save` archive as one
// multi-platform OCI image layout archive (see package ociarchive):
//
//	go run ./internal/ociarchive/cmd -name ghcr.io/o/r -tag v1.2.3 -o image.tar docker-save.tar
//
// It reads the archive back and prints the index digest and the platforms.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/uds-egress-fn/uds-egress-fn/internal/ociarchive"
)

func main() {
	name := flag.String("name", "", "image name without tag, e.g. ghcr.io/uds-egress-fn/uds-egress-fn")
	tag := flag.String("tag", "", "tag of the image index")
	out := flag.String("o", "", "the OCI archive to write")
	flag.Parse()
	if *name == "" || *tag == "" || *out == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: ociarchive -name NAME -tag TAG -o OUT.tar DOCKER-SAVE.tar")
		os.Exit(2)
	}
	if err := convert(flag.Arg(0), *out, *name, *tag); err != nil {
		fmt.Fprintf(os.Stderr, "ociarchive: %v\n", err)
		os.Exit(1)
	}
}

func convert(in, out, name, tag string) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	var buf bytes.Buffer
	if cerr := ociarchive.Convert(src, &buf, name, tag); cerr != nil {
		return cerr
	}
	_, top, index, err := ociarchive.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return fmt.Errorf("reading back what was written: %w", err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %s:%s, index %s\n", out, name, tag, top.Digest)
	for _, m := range index.Manifests {
		fmt.Printf("  %s/%s  manifest %s\n", m.Platform.OS, m.Platform.Architecture, m.Digest)
	}
	return nil
}

// Package ociarchive turns the images of a `docker save` archive into one
// multi-platform OCI image layout archive (an image index over one manifest
// per platform), so the per-architecture images the classic docker builder
// makes can ship as one release artifact without buildx or a registry.
//
// The archive is an OCI image layout (oci-layout, index.json, blobs/sha256)
// in a tar: index.json names one image index (annotated with the image name
// and tag) whose manifests carry their platform. Layers are gzip-compressed;
// configs are docker's, which are OCI image configs. The output is
// deterministic: same images, same bytes. `skopeo copy --all
// oci-archive:<file> docker://<name>:<tag>` pushes it.
package ociarchive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"time"
)

// Media types of the OCI image spec.
const (
	MediaTypeIndex    = "application/vnd.oci.image.index.v1+json"
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	MediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"

	// AnnotationRefName names the tag of an index.json entry; the
	// containerd annotation carries the full name.
	AnnotationRefName   = "org.opencontainers.image.ref.name"
	AnnotationImageName = "io.containerd.image.name"
)

// Descriptor points at a blob (OCI image spec).
type Descriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Platform    *Platform         `json:"platform,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// Platform of an image manifest.
type Platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
}

// Index is an OCI image index (also the shape of index.json).
type Index struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Manifests     []Descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// Manifest is an OCI image manifest.
type Manifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Config        Descriptor        `json:"config"`
	Layers        []Descriptor      `json:"layers"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// Config is the part of an image config this package reads.
type Config struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	Variant      string `json:"variant,omitempty"`
	Config       struct {
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
	RootFS struct {
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

// dockerManifest is one entry of manifest.json in a `docker save` archive.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// layout collects the blobs of the archive being written.
type layout struct{ blobs map[string][]byte }

func (l *layout) add(mediaType string, data []byte) Descriptor {
	sum := sha256.Sum256(data)
	digest := "sha256:" + hex.EncodeToString(sum[:])
	l.blobs[digest] = data
	return Descriptor{MediaType: mediaType, Digest: digest, Size: int64(len(data))}
}

// Convert reads a `docker save` archive and writes an OCI image layout
// archive holding every image in it under one index tagged name:tag. The
// images must differ in platform. The annotations of the index and of each
// manifest are the image's org.opencontainers.image.* labels.
func Convert(dockerSave io.Reader, out io.Writer, name, tag string) error {
	files, err := readTar(dockerSave)
	if err != nil {
		return fmt.Errorf("reading the docker save archive: %w", err)
	}
	var images []dockerManifest
	if err = json.Unmarshal(files["manifest.json"], &images); err != nil {
		return fmt.Errorf("manifest.json of the docker save archive: %w", err)
	}
	if len(images) == 0 {
		return errors.New("the docker save archive holds no image")
	}
	l := &layout{blobs: map[string][]byte{}}
	var manifests []Descriptor
	seen := map[Platform]bool{}
	for _, img := range images {
		d, platform, aerr := l.addImage(files, img)
		if aerr != nil {
			return fmt.Errorf("image %v: %w", img.RepoTags, aerr)
		}
		if seen[platform] {
			return fmt.Errorf("two images for %s/%s", platform.OS, platform.Architecture)
		}
		seen[platform] = true
		manifests = append(manifests, d)
	}
	sort.Slice(manifests, func(i, j int) bool {
		return manifests[i].Platform.Architecture < manifests[j].Platform.Architecture
	})
	index, err := json.Marshal(Index{SchemaVersion: 2, MediaType: MediaTypeIndex, Manifests: manifests,
		Annotations: manifests[0].Annotations})
	if err != nil {
		return err
	}
	top := l.add(MediaTypeIndex, index)
	top.Annotations = map[string]string{AnnotationRefName: tag, AnnotationImageName: name + ":" + tag}
	indexJSON, err := json.Marshal(Index{SchemaVersion: 2, MediaType: MediaTypeIndex, Manifests: []Descriptor{top}})
	if err != nil {
		return err
	}
	return l.write(out, indexJSON)
}

// addImage adds the config, the gzipped layers and the manifest of one
// image and returns the manifest's descriptor.
func (l *layout) addImage(files map[string][]byte, img dockerManifest) (Descriptor, Platform, error) {
	configData, ok := files[img.Config]
	if !ok {
		return Descriptor{}, Platform{}, fmt.Errorf("config %s missing", img.Config)
	}
	var cfg Config
	if err := json.Unmarshal(configData, &cfg); err != nil {
		return Descriptor{}, Platform{}, fmt.Errorf("config: %w", err)
	}
	if len(cfg.RootFS.DiffIDs) != len(img.Layers) {
		return Descriptor{}, Platform{}, fmt.Errorf("%d layers but %d diff_ids", len(img.Layers), len(cfg.RootFS.DiffIDs))
	}
	m := Manifest{SchemaVersion: 2, MediaType: MediaTypeManifest, Config: l.add(MediaTypeConfig, configData)}
	for i, name := range img.Layers {
		layer, ok := files[name]
		if !ok {
			return Descriptor{}, Platform{}, fmt.Errorf("layer %s missing", name)
		}
		sum := sha256.Sum256(layer)
		if diffID := "sha256:" + hex.EncodeToString(sum[:]); diffID != cfg.RootFS.DiffIDs[i] {
			return Descriptor{}, Platform{}, fmt.Errorf("layer %s is %s, the config says %s", name, diffID, cfg.RootFS.DiffIDs[i])
		}
		compressed, err := gzipBytes(layer)
		if err != nil {
			return Descriptor{}, Platform{}, err
		}
		m.Layers = append(m.Layers, l.add(MediaTypeLayer, compressed))
	}
	m.Annotations = ociLabels(cfg.Config.Labels)
	data, err := json.Marshal(m)
	if err != nil {
		return Descriptor{}, Platform{}, err
	}
	platform := Platform{Architecture: cfg.Architecture, OS: cfg.OS, Variant: cfg.Variant}
	d := l.add(MediaTypeManifest, data)
	d.Platform, d.Annotations = &platform, m.Annotations
	return d, platform, nil
}

// ociLabels returns the org.opencontainers.image.* labels, the pre-defined
// annotation keys of the OCI image spec.
func ociLabels(labels map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		if len(k) > len("org.opencontainers.image.") && k[:len("org.opencontainers.image.")] == "org.opencontainers.image." {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// gzipBytes compresses data with no name or time in the header, so the
// same layer always gives the same blob.
func gzipBytes(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(data); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// write writes the layout as a tar: oci-layout, index.json, then the blobs
// in digest order, all with the Unix epoch as time.
func (l *layout) write(out io.Writer, indexJSON []byte) error {
	tw := tar.NewWriter(out)
	file := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	dir := func(name string) error {
		return tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: time.Unix(0, 0), Format: tar.FormatPAX})
	}
	if err := file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := file("index.json", indexJSON); err != nil {
		return err
	}
	if err := dir("blobs/"); err != nil {
		return err
	}
	if err := dir("blobs/sha256/"); err != nil {
		return err
	}
	digests := make([]string, 0, len(l.blobs))
	for d := range l.blobs {
		digests = append(digests, d)
	}
	sort.Strings(digests)
	for _, d := range digests {
		if err := file(path.Join("blobs", "sha256", d[len("sha256:"):]), l.blobs[d]); err != nil {
			return err
		}
	}
	return tw.Close()
}

// readTar returns the regular files of a tar by name.
func readTar(r io.Reader) (map[string][]byte, error) {
	files := map[string][]byte{}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[path.Clean(hdr.Name)] = data
	}
}

// Read opens an OCI image layout archive written by Convert: the blobs by
// digest and the tagged image index. Tests and `make image-all` use it to
// check an archive.
func Read(archive io.Reader) (blobs map[string][]byte, top Descriptor, index Index, err error) {
	files, err := readTar(archive)
	if err != nil {
		return nil, Descriptor{}, Index{}, err
	}
	blobs = map[string][]byte{}
	for name, data := range files {
		if dir, file := path.Split(name); dir == "blobs/sha256/" {
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != file {
				return nil, Descriptor{}, Index{}, fmt.Errorf("blob %s has digest %s", file, got)
			}
			blobs["sha256:"+file] = data
		}
	}
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		return nil, Descriptor{}, Index{}, fmt.Errorf("oci-layout is %q", files["oci-layout"])
	}
	var outer Index
	if err := json.Unmarshal(files["index.json"], &outer); err != nil {
		return nil, Descriptor{}, Index{}, fmt.Errorf("index.json: %w", err)
	}
	if len(outer.Manifests) != 1 || outer.Manifests[0].MediaType != MediaTypeIndex {
		return nil, Descriptor{}, Index{}, fmt.Errorf("index.json must name one image index, names %+v", outer.Manifests)
	}
	top = outer.Manifests[0]
	if err := json.Unmarshal(blobs[top.Digest], &index); err != nil {
		return nil, Descriptor{}, Index{}, fmt.Errorf("image index %s: %w", top.Digest, err)
	}
	return blobs, top, index, nil
}

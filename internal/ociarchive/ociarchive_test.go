package ociarchive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeImage struct {
	arch   string
	layers []string // layer contents
	labels map[string]string
}

// dockerSave builds a `docker save` archive as docker 20.10 writes it:
// <id>.json configs, <dir>/layer.tar layers, manifest.json.
func dockerSave(t *testing.T, images ...fakeImage) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	put := func(name string, data []byte) {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, err := tw.Write(data)
		require.NoError(t, err)
	}
	var manifest []dockerManifest
	for i, img := range images {
		var cfg Config
		cfg.Architecture, cfg.OS = img.arch, "linux"
		cfg.Config.Labels = img.labels
		var layerNames []string
		for j, content := range img.layers {
			sum := sha256.Sum256([]byte(content))
			cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, "sha256:"+hex.EncodeToString(sum[:]))
			name := fmt.Sprintf("layer%d-%d/layer.tar", i, j)
			put(name, []byte(content))
			layerNames = append(layerNames, name)
		}
		data, err := json.Marshal(cfg)
		require.NoError(t, err)
		put(fmt.Sprintf("config%d.json", i), data)
		manifest = append(manifest, dockerManifest{Config: fmt.Sprintf("config%d.json", i), RepoTags: []string{"x:" + img.arch}, Layers: layerNames})
	}
	data, err := json.Marshal(manifest)
	require.NoError(t, err)
	put("manifest.json", data)
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

func TestConvertTwoPlatforms(t *testing.T) {
	labels := map[string]string{"org.opencontainers.image.version": "v1.2.3", "other": "dropped"}
	save := dockerSave(t,
		fakeImage{arch: "arm64", layers: []string{"passwd", "arm binary"}, labels: labels},
		fakeImage{arch: "amd64", layers: []string{"passwd", "amd binary"}, labels: labels})

	var out bytes.Buffer
	require.NoError(t, Convert(bytes.NewReader(save), &out, "ghcr.io/o/r", "v1.2.3"))
	var again bytes.Buffer
	require.NoError(t, Convert(bytes.NewReader(save), &again, "ghcr.io/o/r", "v1.2.3"))
	assert.Equal(t, out.Bytes(), again.Bytes(), "the same images give the same archive")

	blobs, top, index, err := Read(bytes.NewReader(out.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{AnnotationRefName: "v1.2.3", AnnotationImageName: "ghcr.io/o/r:v1.2.3"}, top.Annotations)
	assert.Equal(t, map[string]string{"org.opencontainers.image.version": "v1.2.3"}, index.Annotations, "only OCI labels become annotations")
	require.Len(t, index.Manifests, 2)
	for i, arch := range []string{"amd64", "arm64"} {
		d := index.Manifests[i]
		assert.Equal(t, Platform{Architecture: arch, OS: "linux"}, *d.Platform, "manifests sorted by architecture")
		var m Manifest
		require.NoError(t, json.Unmarshal(blobs[d.Digest], &m))
		assert.Equal(t, int64(len(blobs[d.Digest])), d.Size)
		var cfg Config
		require.NoError(t, json.Unmarshal(blobs[m.Config.Digest], &cfg))
		assert.Equal(t, arch, cfg.Architecture)
		require.Len(t, m.Layers, 2)
		zr, err := gzip.NewReader(bytes.NewReader(blobs[m.Layers[1].Digest]))
		require.NoError(t, err)
		layer, err := io.ReadAll(zr)
		require.NoError(t, err)
		assert.Equal(t, arch[:3]+" binary", string(layer))
		assert.Equal(t, m.Layers[0].Digest, func() string {
			var other Manifest
			require.NoError(t, json.Unmarshal(blobs[index.Manifests[1-i].Digest], &other))
			return other.Layers[0].Digest
		}(), "a layer both images share is one blob")
	}
}

func TestConvertRejects(t *testing.T) {
	twoAmd := dockerSave(t, fakeImage{arch: "amd64", layers: []string{"a"}}, fakeImage{arch: "amd64", layers: []string{"b"}})
	assert.ErrorContains(t, Convert(bytes.NewReader(twoAmd), io.Discard, "n", "t"), "two images for linux/amd64")

	empty := dockerSave(t)
	assert.ErrorContains(t, Convert(bytes.NewReader(empty), io.Discard, "n", "t"), "holds no image")

	// A layer whose content does not match the config's diff_id.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range map[string]string{
		"c.json":        `{"architecture":"amd64","os":"linux","rootfs":{"diff_ids":["sha256:00"]}}`,
		"l/layer.tar":   "x",
		"manifest.json": `[{"Config":"c.json","Layers":["l/layer.tar"]}]`,
	} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}))
		_, _ = tw.Write([]byte(data))
	}
	require.NoError(t, tw.Close())
	assert.ErrorContains(t, Convert(bytes.NewReader(buf.Bytes()), io.Discard, "n", "t"), "the config says sha256:00")
}

package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The e2e tests leave docker as they found it: they build images only
// under testRepo (make image and make image-all with IMAGE_REPO=testRepo
// and no DEV_ALIAS; the Argo CD sidecar as cmpImage), and TestMain removes
// every one of those tags at the end. It then checks that no tag of
// testRepo is left, that no image this run built is left untagged, and
// that no release tag (ghcr.io/uds-egress-fn/uds-egress-fn:*,
// uds-egress-fn:dev, uds-egress-cmp:*) now points at an image this run
// built. A release tag changed by something else on a shared daemon (a
// concurrent `make image`) is not this run's doing and is only logged.

// dockerImages maps every repository:tag to its image ID (none without
// docker).
func dockerImages() map[string]string {
	if _, err := exec.LookPath("docker"); err != nil {
		return nil
	}
	out, err := exec.Command("docker", "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").Output()
	if err != nil {
		return nil
	}
	images := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if ref, id, ok := strings.Cut(line, " "); ok {
			images[ref] = id
		}
	}
	return images
}

// danglingImages are the IDs of untagged images.
func danglingImages() map[string]bool {
	out, err := exec.Command("docker", "images", "--no-trunc", "--filter", "dangling=true", "--format", "{{.ID}}").Output()
	ids := map[string]bool{}
	if err != nil {
		return ids
	}
	for _, id := range strings.Fields(string(out)) {
		ids[id] = true
	}
	return ids
}

// builtIDs are the IDs of every image this run tagged, recorded after each
// build (a rebuild under the same tag leaves the earlier image untagged).
var builtIDs = map[string]bool{}

// recordBuilt notes the images the test tags name now.
func recordBuilt() {
	for ref, id := range dockerImages() {
		if isTestRef(ref) {
			builtIDs[id] = true
		}
	}
}

// isTestRef says whether ref is a tag this run makes.
func isTestRef(ref string) bool {
	return strings.HasPrefix(ref, testRepo+":") || ref == cmpImage
}

// isReleaseRef says whether ref is a name only make image/image-all (or
// build-image.sh run by hand) may write.
func isReleaseRef(ref string) bool {
	return strings.HasPrefix(ref, imageRepo+":") || ref == "uds-egress-fn:dev" || strings.HasPrefix(ref, "uds-egress-cmp:")
}

// removeTestImages removes the tags of this run and checks what is left
// against before (the images when the run started).
func removeTestImages(before map[string]string) error {
	if before == nil {
		return nil
	}
	recordBuilt()
	built := builtIDs
	var refs []string
	for ref := range dockerImages() {
		if isTestRef(ref) {
			refs = append(refs, ref)
		}
	}
	sort.Strings(refs)
	var errs []error
	if len(refs) > 0 {
		if out, err := exec.Command("docker", append([]string{"rmi"}, refs...)...).CombinedOutput(); err != nil {
			errs = append(errs, fmt.Errorf("docker rmi %s: %v\n%s", strings.Join(refs, " "), err, out))
		}
	}
	after := dockerImages()
	for ref, id := range after {
		switch {
		case isTestRef(ref):
			errs = append(errs, fmt.Errorf("%s is still there", ref))
		case isReleaseRef(ref) && before[ref] != id && built[id]:
			errs = append(errs, fmt.Errorf("%s now names an image this run built (%s); only make image and make image-all may write release tags", ref, id))
		case isReleaseRef(ref) && before[ref] != id:
			fmt.Fprintf(os.Stderr, "e2e: note: %s changed during the run, not by this run (a shared docker daemon)\n", ref)
		}
	}
	for ref := range before {
		if _, ok := after[ref]; !ok && isReleaseRef(ref) {
			fmt.Fprintf(os.Stderr, "e2e: note: %s disappeared during the run, not removed by this run\n", ref)
		}
	}
	for id := range danglingImages() {
		if built[id] {
			// an earlier build under a tag later rebuilt: remove it too
			if out, err := exec.Command("docker", "rmi", id).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("image %s this run built is left untagged: docker rmi: %v\n%s", id, err, out))
			}
		}
	}
	return errors.Join(errs...)
}

// withTestImage rewrites, in every file under dir, the release image name
// the examples use into testImage.
func withTestImage(t *testing.T, dir string) {
	t.Helper()
	for path, content := range readTree(t, dir) {
		if strings.Contains(content, image) {
			full := filepath.Join(dir, filepath.FromSlash(path))
			info, err := os.Stat(full)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(full, []byte(strings.ReplaceAll(content, image, testImage)), info.Mode().Perm()))
		}
	}
}

// exampleWithTestImage copies examples/<name> to a temporary directory with
// the image rewritten to testImage and returns the copy.
func exampleWithTestImage(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	copyTree(t, example(name), dir)
	withTestImage(t, dir)
	return dir
}

// execAnnotation and imageAnnotation are the two function annotations of
// an example's EgressConfig: the exec form of local development and the
// published image.
const execAnnotation = "      exec:\n        path: ../../bin/uds-egress-fn\n"

func imageAnnotation() string { return "      container:\n        image: " + image + "\n" }

// exampleExecForm returns examples/<name> as the exec form runs it: the
// example itself when it names no image (kustomize-ambient, the exec
// example of local development), else execCopy of it. The tests of the
// output itself use it, so they run without docker; TestContainer and the
// doc blocks run the examples as written, with the test image.
func exampleExecForm(t *testing.T, name string) string {
	t.Helper()
	uses := false
	for _, content := range readTree(t, example(name)) {
		uses = uses || strings.Contains(content, image)
	}
	if !uses {
		return example(name)
	}
	dir := execCopy(t, name)
	for path, content := range readTree(t, dir) {
		require.NotContains(t, content, imageAnnotation(), "examples/%s/%s: the image annotation was not rewritten", name, path)
	}
	return dir
}

// execCopy copies examples/<name> to <tmp>/examples/<name>, with
// <tmp>/bin/uds-egress-fn linked to the checkout's binary, so
// `../../bin/uds-egress-fn` resolves from the copy exactly as from the
// example; the Kptfile mutator and every EgressConfig annotation that run
// the published image are switched to that exec form (the local-development
// form the examples' comments describe). It returns the copy's directory.
func execCopy(t *testing.T, name string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "examples", name)
	copyTree(t, example(name), dir)
	require.NoError(t, os.MkdirAll(filepath.Join(root, "bin"), 0o755))
	require.NoError(t, os.Symlink(fnBin, filepath.Join(root, "bin", "uds-egress-fn")))
	for path, content := range readTree(t, dir) {
		// Only what runs the function: the Kptfile's mutator and the
		// EgressConfig annotations, never the expected outputs or a README
		// that quotes them.
		rewritten := content
		switch base := filepath.Base(path); {
		case base == "Kptfile":
			rewritten = strings.ReplaceAll(content, "- image: "+image, execLine)
		case strings.HasSuffix(base, ".yaml") && !strings.HasPrefix(base, "expected"):
			rewritten = strings.ReplaceAll(content, imageAnnotation(), execAnnotation)
		}
		if rewritten != content {
			require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(path)), []byte(rewritten), 0o644))
		}
	}
	return dir
}

package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The review commands with real git: the CI workflow of examples/review and
// the git recipe of the README, each run as written.

// fleetRepo makes a git repository whose branch main holds examples/review/
// base under fleet/ (and its Packages as one file, fleet.yaml) and whose branch pr holds
// headDir there; pr is checked out and main is also origin/main, as after
// actions/checkout with fetch-depth 0.
func fleetRepo(t *testing.T, headDir string) string {
	t.Helper()
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		o := run(t, repo, nil, "git", append([]string{"-c", "user.name=test", "-c", "user.email=test@example.com"}, args...)...)
		require.Equal(t, 0, o.Code, "git %v: %s", args, o.Stderr)
	}
	put := func(src string) {
		t.Helper()
		require.NoError(t, os.RemoveAll(filepath.Join(repo, "fleet")))
		require.NoError(t, os.MkdirAll(filepath.Join(repo, "fleet"), 0o755))
		var single bytes.Buffer
		for _, name := range []string{"kustomization.yaml", "egress-config.yaml", "packages.yaml"} {
			data, err := os.ReadFile(filepath.Join(src, name))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(repo, "fleet", name), data, 0o644))
			if name == "packages.yaml" { // the config is never taken from an input file
				single.WriteString("---\n")
				single.Write(data)
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(repo, "fleet.yaml"), single.Bytes(), 0o644))
	}
	git("init", "-q", "-b", "main")
	put(example("review", "base"))
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "pr")
	put(headDir)
	require.NoError(t, os.WriteFile(filepath.Join(repo, "README.md"), []byte("a change\n"), 0o644))
	git("add", "-A")
	git("commit", "-q", "-m", "pr")
	git("update-ref", "refs/remotes/origin/main", "main")
	return repo
}

// toolPath is a PATH with uds-egress-fn (bin/uds-egress-fn) and a gh that
// records each call's arguments and --body-file; the first call with
// --edit-last fails, as gh does when the PR has no comment of ours yet.
func toolPath(t *testing.T, record string) string {
	dir := t.TempDir()
	require.NoError(t, os.Symlink(fnBin, filepath.Join(dir, "uds-egress-fn")))
	gh := `#!/usr/bin/env bash
set -eu
echo "gh $*" >> "` + record + `.calls"
body=""; prev=""
for a in "$@"; do [ "$prev" = --body-file ] && body="$a"; prev="$a"; done
case " $* " in *" --edit-last "*) [ -e "` + record + `.posted" ] || { echo "no comment to edit" >&2; exit 1; } ;; esac
cp "$body" "` + record + `.posted"
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "gh"), []byte(gh), 0o755))
	return dir + string(os.PathListSeparator) + os.Getenv("PATH")
}

type workflow struct {
	Env  map[string]string
	Jobs map[string]struct {
		Steps []struct {
			ID   string
			Uses string
			If   string
			Env  map[string]string
			Run  string
		}
	}
}

var (
	stepOutputExpr = regexp.MustCompile(`^steps\.([\w-]+)\.outputs\.([\w-]+)$`)
	ifNotEqual     = regexp.MustCompile(`^steps\.([\w-]+)\.outputs\.([\w-]+) != '([^']*)'$`)
	expr           = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
)

// runWorkflow runs the run: steps of examples/review/pr-comment.yml in repo
// the way GitHub Actions does (bash -eo pipefail, GITHUB_OUTPUT, RUNNER_TEMP,
// the job stopping at the first failing step), with FLEET=fleet. The install
// step is the one not run: PATH already has the binary under test. It
// returns the ids of the steps that ran and the exit code of the last.
func runWorkflow(t *testing.T, repo, path string) (ran []string, code int) {
	data, err := os.ReadFile(example("review", "pr-comment.yml"))
	require.NoError(t, err)
	var wf workflow
	require.NoError(t, yaml.Unmarshal(data, &wf))
	require.Len(t, wf.Jobs, 1)
	temp := t.TempDir()
	outputs := map[string]map[string]string{}
	eval := func(e string) string {
		switch e {
		case "github.token":
			return "test-token"
		case "github.event.pull_request.number":
			return "7"
		}
		m := stepOutputExpr.FindStringSubmatch(e)
		require.NotNil(t, m, "expression %q: the test does not know it", e)
		return outputs[m[1]][m[2]]
	}
	for _, job := range wf.Jobs {
		for _, step := range job.Steps {
			if step.Uses != "" {
				continue
			}
			if step.ID == "install" {
				assert.Contains(t, step.Run, "go install \"github.com/uds-egress-fn/uds-egress-fn@", "the install step installs the command at the module root")
				assert.Contains(t, step.Run, "$RUNNER_TEMP/bin/uds-egress-fn")
				continue
			}
			require.NotEmpty(t, step.ID, "every step has an id")
			if step.If != "" {
				m := ifNotEqual.FindStringSubmatch(step.If)
				require.NotNil(t, m, "if: %q: the test does not know it", step.If)
				if outputs[m[1]][m[2]] == m[3] {
					continue
				}
			}
			require.NotContains(t, step.Run, "${{", "step %s: expressions belong in env:", step.ID)
			output := filepath.Join(temp, step.ID+".output")
			env := append(os.Environ(), "PATH="+path, "RUNNER_TEMP="+temp, "GITHUB_OUTPUT="+output,
				"GITHUB_PATH="+filepath.Join(temp, "path"), "GITHUB_BASE_REF=main", "GOTOOLCHAIN=local")
			for k, v := range wf.Env {
				if k == "FLEET" {
					v = "fleet"
				}
				env = append(env, k+"="+v)
			}
			for k, v := range step.Env {
				env = append(env, k+"="+expr.ReplaceAllStringFunc(v, func(s string) string { return eval(expr.FindStringSubmatch(s)[1]) }))
			}
			cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step.Run)
			cmd.Dir, cmd.Env = repo, env
			out, err := cmd.CombinedOutput()
			ran = append(ran, step.ID)
			code = 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else {
				require.NoError(t, err)
			}
			outputs[step.ID] = map[string]string{}
			if data, err := os.ReadFile(output); err == nil {
				for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
					if k, v, ok := strings.Cut(line, "="); ok {
						outputs[step.ID][k] = v
					}
				}
			}
			if code != 0 {
				t.Logf("step %s exited %d:\n%s", step.ID, code, out)
				return ran, code
			}
		}
	}
	return ran, code
}

func TestPRCommentWorkflow(t *testing.T) {
	want, err := os.ReadFile(example("review", "expected-diff.md"))
	require.NoError(t, err)

	t.Run("a widening fails the job after the comment", func(t *testing.T) {
		repo := fleetRepo(t, example("review", "head"))
		record := filepath.Join(t.TempDir(), "gh")
		ran, code := runWorkflow(t, repo, toolPath(t, record))
		assert.Equal(t, []string{"base", "diff", "comment", "verdict"}, ran)
		assert.Equal(t, 3, code, "--fail-on widened")
		posted, err := os.ReadFile(record + ".posted")
		require.NoError(t, err)
		assert.Equal(t, string(want), string(posted), "the comment is the diff of examples/review")
		calls, _ := os.ReadFile(record + ".calls")
		assert.Equal(t, 2, strings.Count(string(calls), "gh pr comment 7 --body-file"), "edit the last comment, else create one")
	})
	t.Run("no change", func(t *testing.T) {
		repo := fleetRepo(t, example("review", "base"))
		record := filepath.Join(t.TempDir(), "gh")
		ran, code := runWorkflow(t, repo, toolPath(t, record))
		assert.Equal(t, []string{"base", "diff", "comment"}, ran, "no verdict step on exit 0")
		assert.Equal(t, 0, code)
		posted, err := os.ReadFile(record + ".posted")
		require.NoError(t, err)
		assert.Contains(t, string(posted), "No change in egress access")
	})
}

// TestGitRecipe runs the git recipes of docs/review.md (the shell blocks
// after the <!-- test: git-recipe-... --> markers) in a repository on
// branch pr.
func TestGitRecipe(t *testing.T) {
	want, err := os.ReadFile(example("review", "expected-diff.md"))
	require.NoError(t, err)
	for _, name := range []string{"git-recipe-dir", "git-recipe-file"} {
		t.Run(name, func(t *testing.T) {
			script := docBlock(t, name)
			repo := fleetRepo(t, example("review", "head"))
			cmd := exec.Command("bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", script)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "PATH="+toolPath(t, filepath.Join(t.TempDir(), "gh")), "BASE=main", "FLEET=fleet", "FLEET_FILE=fleet.yaml", "EGRESS_CONFIG=fleet/egress-config.yaml")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), stderr.String())
			assert.Equal(t, string(want), stdout.String())
			o := run(t, repo, nil, "git", "worktree", "list")
			assert.Equal(t, 1, strings.Count(o.Stdout, "\n"), "the recipe removes its worktree")
		})
	}
}

// TestReviewIstioPipe runs the istio-profile pipe of docs/review.md with
// the real kustomize and the image: the Packages kustomize drops (local-config) are
// named as files, so the report lists the grants of examples/kustomize-istio;
// without them the report is the effect of the objects, never "no access".
func TestReviewIstioPipe(t *testing.T) {
	kustomize(t)
	requireDocker(t)
	buildImage(t) // the example runs the published image; the sandbox names the test image
	o := runDocBlock(t, "review-istio-pipe", docSandbox(t), nil)
	require.Zero(t, o.Code, o.Stderr)
	assert.Contains(t, o.Stdout, "`renovate/sa/renovate`")
	assert.Contains(t, o.Stdout, "updates.jenkins.io")
	assert.NotContains(t, o.Stdout, "object-drift")

	// Without the Packages the report is the effect of the objects (issue
	// 20), never "no access": the same identities reach the same hosts.
	o = runDocBlock(t, "review-istio-pipe", docSandbox(t), nil, " - examples/kustomize-istio/resources/packages.yaml", " -")
	assert.Equal(t, 0, o.Code, "without the Packages: %s %s", o.Stdout, o.Stderr)
	assert.NotContains(t, o.Stdout, "packages-missing")
	assert.Contains(t, o.Stdout, "The input holds no Package: this is the effect of its objects")
	assert.Contains(t, o.Stdout, "`renovate/sa/renovate`")
	assert.Contains(t, o.Stdout, "updates.jenkins.io")
	assert.NotContains(t, o.Stdout, "No identity may reach an external host.")
}

// TestReviewEditedKptPackage: a kpt package after kpt fn render whose
// generated AuthorizationPolicy was edited (a principal added, as a later
// mutator or a hand edit would) is not "no change": diff exits 1 with an
// object-drift error naming the object and the field.
func TestReviewEditedKptPackage(t *testing.T) {
	base := execCopy(t, "kpt-pipeline")
	head := execCopy(t, "kpt-pipeline")
	ap := filepath.Join(head, generatedDir, "istio-egress-ambient", "authorizationpolicy-ambient-ap-api-github-com.yaml")
	data, err := os.ReadFile(ap)
	require.NoError(t, err)
	edited := strings.Replace(string(data), "        principals:\n", "        principals:\n        - cluster.local/ns/evil/sa/thief\n", 1)
	require.NotEqual(t, string(data), edited)
	require.NoError(t, os.WriteFile(ap, []byte(edited), 0o644))

	o := run(t, repoRoot, nil, fnBin, "diff", "--fail-on", "widened", base, head)
	assert.Equal(t, 1, o.Code, o.Stdout)
	assert.NotContains(t, o.Stdout, "No change in egress access")
	assert.Contains(t, o.Stdout, "| error | `object-drift` | `AuthorizationPolicy istio-egress-ambient/ambient-ap-api-github-com` | `spec.rules[0].from[0].source.principals[0]` |")

	o = run(t, repoRoot, nil, fnBin, "diff", "--fail-on", "widened", base, base)
	assert.Equal(t, 0, o.Code, o.Stdout+o.Stderr)
	assert.Contains(t, o.Stdout, "No change in egress access")
}

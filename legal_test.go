package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The LICENSE file is the license fn/metadata.yaml (and so --doc and kpt's
// catalogue) declares.
func TestLicenseMatchesMetadata(t *testing.T) {
	var meta struct{ License string }
	require.NoError(t, yaml.Unmarshal(docMetadata, &meta))
	require.Equal(t, "Apache-2.0", meta.License)
	license, err := os.ReadFile("LICENSE")
	require.NoError(t, err, "the repository has a LICENSE file")
	text := string(license)
	assert.Contains(t, text, "Apache License\n                           Version 2.0, January 2004")
	assert.Contains(t, text, "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION")
	assert.Contains(t, text, "END OF TERMS AND CONDITIONS")
}

// CHANGELOG.md follows Keep a Changelog: an [Unreleased] section first,
// then releases newest first as "## [x.y.z] - YYYY-MM-DD", each with a
// link definition at the bottom, and only the standard change types. The
// Makefile reads the newest release heading for untagged versions.
func TestChangelogFormat(t *testing.T) {
	data, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	text := string(data)
	headings := regexp.MustCompile(`(?m)^## (.*)$`).FindAllStringSubmatch(text, -1)
	require.NotEmpty(t, headings)
	assert.Equal(t, "[Unreleased]", headings[0][1], "the first section is [Unreleased]")
	release := regexp.MustCompile(`^\[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$`)
	var last time.Time
	for i, h := range headings[1:] {
		m := release.FindStringSubmatch(h[1])
		require.NotNil(t, m, "%q is not a release heading [x.y.z] - YYYY-MM-DD", h[1])
		date, err := time.Parse(time.DateOnly, m[2])
		require.NoError(t, err)
		assert.True(t, i == 0 || !date.After(last), "releases are newest first: %s", h[1])
		last = date
		assert.Contains(t, text, "\n["+m[1]+"]: https://github.com/uds-egress-fn/uds-egress-fn/releases/tag/v"+m[1]+"\n")
	}
	assert.Contains(t, text, "\n[Unreleased]: https://github.com/uds-egress-fn/uds-egress-fn/compare/")
	for _, m := range regexp.MustCompile(`(?m)^### (.*)$`).FindAllStringSubmatch(text, -1) {
		assert.Contains(t, []string{"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}, m[1])
	}
}

// docs/releasing.md states the versioning policy and what counts as
// breaking.
func TestVersioningPolicy(t *testing.T) {
	data, err := os.ReadFile("docs/releasing.md")
	require.NoError(t, err)
	_, section, found := strings.Cut(string(data), "\n## Versioning\n")
	require.True(t, found, "docs/releasing.md has a Versioning section")
	section, _, _ = strings.Cut(section, "\n## ")
	for _, s := range []string{"Semantic Versioning", "CHANGELOG.md", "**output shape**", "**result codes**", "**config keys**", "--version"} {
		assert.Contains(t, section, s)
	}
}

package schemas

import (
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// settingsMarkdown is the settings table of docs/configuration.md, from
// settingsTable (keys, order, defaults) and settingDocs.
func settingsMarkdown(t *testing.T) string {
	t.Helper()
	defaults := DefaultSettings()
	var b strings.Builder
	b.WriteString("| key | type | default | ConfigMap form | what it does |\n|---|---|---|---|---|\n")
	for _, def := range settingsTable {
		doc, ok := settingDocs[def.key]
		if !assert.True(t, ok, "settingDocs has no entry for %s (schemas/settings_doc.go)", def.key) {
			continue
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", def.key, doc.typ, defaultText(def.value(defaults)), doc.configMap, doc.what)
	}
	for key := range settingDocs {
		_, ok := settingByKey(key)
		assert.True(t, ok, "settingDocs documents %s, which settingsTable does not have", key)
	}
	return b.String()
}

// defaultText writes a default as the YAML of an EgressConfig spells it.
func defaultText(v any) string {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() || (rv.Kind() == reflect.Slice && rv.IsNil()) {
		return "none"
	}
	return "`" + flow(rv) + "`"
}

func flow(rv reflect.Value) string {
	switch rv.Kind() {
	case reflect.Slice:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = flow(rv.Index(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		var parts []string
		for _, k := range rv.MapKeys() {
			parts = append(parts, fmt.Sprintf("%v: %s", k, flow(rv.MapIndex(k))))
		}
		sort.Strings(parts)
		return "{" + strings.Join(parts, ", ") + "}"
	case reflect.Interface:
		return flow(rv.Elem())
	default:
		return fmt.Sprint(rv.Interface())
	}
}

// TestSettingsDocTable: docs/configuration.md shows the settings table as
// generated from settingsTable; UPDATE_DOCS=1 rewrites it.
func TestSettingsDocTable(t *testing.T) {
	replaceGenerated(t, "../docs/configuration.md", "settings", settingsMarkdown(t))
}

// replaceGenerated compares (or, with UPDATE_DOCS=1, rewrites) the text
// between <!-- generated: NAME ... --> and <!-- end generated: NAME --> in
// path.
func replaceGenerated(t *testing.T, path, name, want string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	text := string(data)
	begin := "<!-- generated: " + name
	i := strings.Index(text, begin)
	require.GreaterOrEqual(t, i, 0, "%s has no %q marker", path, begin)
	i += strings.Index(text[i:], "-->\n") + len("-->\n")
	end := "<!-- end generated: " + name + " -->"
	j := strings.Index(text, end)
	require.GreaterOrEqual(t, j, i, "%s has no %q marker after the start", path, end)
	if os.Getenv("UPDATE_DOCS") == "1" {
		require.NoError(t, os.WriteFile(path, []byte(text[:i]+want+text[j:]), 0o644))
		return
	}
	assert.Equal(t, want, text[i:j], "%s: the generated %s table drifted; run UPDATE_DOCS=1 go test ./schemas -run TestSettingsDocTable and review the diff", path, name)
}

package fn

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/uds-egress-fn/uds-egress-fn/generators/render"
	"github.com/uds-egress-fn/uds-egress-fn/internal/diag"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
	"github.com/uds-egress-fn/uds-egress-fn/internal/naming"
)

// Render keeps a record on each object of the allow entries that gave it
// (render.Record.Entries; explain prints it). Over every golden and
// reference scenario the record agrees with what the object itself says,
// read from its spec and metadata, not from the plan:
//   - an AuthorizationPolicy's rules list, per port, exactly the identities
//     of the record's entries on that port;
//   - a ServiceEntry's ports are exactly the ports of its entries;
//   - a Sidecar's entries are those of its workload selector;
//   - the Packages of the entries naming a host (Anywhere participants
//     aside) are the Packages the object is generated for: its
//     uds.dev/user-* annotations, or its uds/package label;
//   - only an object that exists for a mode as a whole (Role.Whole: a
//     Namespace) has no entry.
//
// Where an http rule of a host policy covers no rule of an identity
// (host-policy-uncovered) the identity asked for the host but was given
// nothing: the record names only what was given, so the Packages and
// ports it names are then among the object's, not all of them.
func TestRecordIsWhatTheObjectSays(t *testing.T) {
	var dirs []string
	for _, glob := range []string{"testdata/golden/*", "testdata/reference/*"} {
		d, err := filepath.Glob(glob)
		require.NoError(t, err)
		dirs = append(dirs, d...)
	}
	objects := 0
	for _, dir := range dirs {
		in := goldenInputOrFile(t, dir)
		rl, err := krmio.Read(bytes.NewReader(in))
		require.NoError(t, err)
		out := Process(rl)
		for o := range out.Objects {
			objects++
			checkRecord(t, dir, out, &o)
		}
	}
	require.Greater(t, objects, 300)
}

func goldenInputOrFile(t *testing.T, dir string) []byte {
	if _, err := os.Stat(filepath.Join(dir, "config.yaml")); err == nil {
		return goldenInput(t, dir)
	}
	in, err := os.ReadFile(filepath.Join(dir, "input.yaml"))
	require.NoError(t, err)
	return in
}

func checkRecord(t *testing.T, dir string, out Output, o *render.Object) {
	t.Helper()
	where := fmt.Sprintf("%s: %s %s/%s", filepath.Base(dir), o.Kind, o.Metadata.Namespace, o.Metadata.Name)
	rec := o.Record
	require.NotEqual(t, render.RoleNone, rec.Role, where)
	var entries []render.Entry
	for e := range rec.Entries(out.Plan) {
		entries = append(entries, e)
	}
	if rec.Role.Whole() {
		assert.Empty(t, entries, where)
		return
	}
	require.NotEmpty(t, entries, where)

	// The Packages the object is generated for.
	var named []string
	for _, e := range entries {
		for _, src := range e.Sources() {
			if p := src.Package.String(); !src.Anywhere && !slices.Contains(named, p) {
				named = append(named, p)
			}
		}
	}
	slices.Sort(named)
	var users []string
	for _, s := range out.Plan.Ambient.Users.List() {
		users = append(users, s.String())
	}
	for _, pkg := range out.Plan.Sidecar.Packages {
		users = append(users, pkg.ID.String())
	}
	var forPkgs []string
	for _, u := range users {
		ns, name, _ := strings.Cut(u, "/")
		key, _ := naming.AnnotationKey(name, ns)
		_, annotated := o.Metadata.Annotations[key]
		local := o.Metadata.Labels["uds/package"] == name && o.Metadata.Namespace == ns
		if (annotated || local) && !slices.Contains(forPkgs, u) {
			forPkgs = append(forPkgs, u)
		}
	}
	slices.Sort(forPkgs)
	uncovered := slices.ContainsFunc(out.Findings, func(f diag.Finding) bool { return f.Code == diag.HostPolicyUncovered })
	switch {
	case out.Settings.Istio(): // profile istio drops the uds labels and annotations
	case uncovered:
		assert.Subset(t, forPkgs, named, "%s: the Packages of the record's entries", where)
	default:
		assert.Equal(t, forPkgs, named, "%s: the Packages of the record's entries", where)
	}

	switch spec := o.Spec.(type) {
	case render.AuthorizationPolicySpec:
		byPort := map[string][]string{}
		for _, r := range spec.Rules {
			for _, f := range r.From {
				byPort[r.To[0].Operation.Ports[0]] = append(byPort[r.To[0].Operation.Ports[0]], f.Source.Principals...)
				byPort[r.To[0].Operation.Ports[0]] = append(byPort[r.To[0].Operation.Ports[0]], f.Source.Namespaces...)
			}
		}
		recorded := map[string][]string{}
		for _, e := range entries {
			port := strconv.Itoa(e.Port)
			recorded[port] = append(recorded[port], e.Ambient.Identity.Listed())
		}
		for _, m := range []map[string][]string{byPort, recorded} {
			for k := range m {
				slices.Sort(m[k])
				m[k] = slices.Compact(m[k])
			}
		}
		assert.Equal(t, byPort, recorded, "%s: identities per port", where)
	case render.ServiceEntrySpec:
		var ports, recorded []int
		for _, p := range spec.Ports {
			ports = append(ports, p.Number)
		}
		for _, e := range entries {
			recorded = append(recorded, e.Port)
		}
		slices.Sort(ports)
		slices.Sort(recorded)
		if uncovered {
			assert.Subset(t, ports, recorded, "%s: ports", where)
		} else {
			assert.Equal(t, ports, slices.Compact(recorded), "%s: ports", where)
		}
	case render.SidecarSpec:
		var want map[string]string
		if spec.WorkloadSelector != nil {
			want = spec.WorkloadSelector.Labels
		}
		for _, e := range entries {
			if len(want) == 0 {
				assert.Empty(t, e.Sidecar.Selector, where)
			} else {
				assert.Equal(t, want, e.Sidecar.Selector.Map(), where)
			}
		}
	}
}

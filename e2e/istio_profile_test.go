package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestKustomizeIstioProfile builds examples/kustomize-istio (profile istio)
// twice: the output equals expected.yaml, holds no Package and no uds/*
// label or uds.dev/* annotation, and holds the egress Namespaces.
func TestKustomizeIstioProfile(t *testing.T) {
	k := kustomize(t)
	var out string
	for pass := 1; pass <= 2; pass++ {
		out = succeed(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", exampleExecForm(t, "kustomize-istio")).Stdout
		require.NotEmpty(t, generated(out), "pass %d: the function did not run", pass)
		checkExpected(t, example("kustomize-istio", "expected.yaml"), out)
	}

	dec := yaml.NewDecoder(strings.NewReader(out))
	kinds := map[string][]string{}
	for {
		var obj struct {
			Kind     string `yaml:"kind"`
			Metadata struct {
				Name        string            `yaml:"name"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"metadata"`
		}
		if err := dec.Decode(&obj); err != nil {
			break
		}
		kinds[obj.Kind] = append(kinds[obj.Kind], obj.Metadata.Name)
		for key := range obj.Metadata.Labels {
			assert.False(t, strings.HasPrefix(key, "uds/"), "%s %s has label %s", obj.Kind, obj.Metadata.Name, key)
		}
		for key := range obj.Metadata.Annotations {
			assert.False(t, strings.HasPrefix(key, "uds.dev/"), "%s %s has annotation %s", obj.Kind, obj.Metadata.Name, key)
			assert.NotEqual(t, "config.kubernetes.io/local-config", key, "kustomize drops local-config objects")
		}
		if obj.Kind == "Namespace" && obj.Metadata.Name == "istio-egress-ambient" {
			assert.Equal(t, "ambient", obj.Metadata.Labels["istio.io/dataplane-mode"])
			assert.Equal(t, "egress-waypoint", obj.Metadata.Labels["istio.io/use-waypoint"])
		}
	}
	assert.Empty(t, kinds["Package"], "profile istio: the Packages are local-config, so kustomize leaves them out")
	assert.Equal(t, []string{"istio-egress-ambient", "istio-egress-gateway"}, kinds["Namespace"])
	assert.NotContains(t, out, "uds.dev/v1alpha1")
	assert.NotContains(t, out, "parametersRef", "waypointConfigMap is not set: no ConfigMap is named")
	assert.Equal(t, []string{"renovate"}, kinds["Deployment"], "pass-through objects stay")
}

// TestKustomizeOwnershipGuard renders the istio example with one team's
// Package missing: expectedNamespaces makes kustomize fail, naming it.
func TestKustomizeOwnershipGuard(t *testing.T) {
	k := kustomize(t)
	dir := exampleExecForm(t, "kustomize-istio")
	require.NotEqual(t, example("kustomize-istio"), dir, "a copy: the test edits it")

	pkgs := filepath.Join(dir, "resources", "packages.yaml")
	data, err := os.ReadFile(pkgs)
	require.NoError(t, err)
	// Keep renovate's Package only: what a per-team render would see.
	first, _, found := strings.Cut(string(data), "\n---\n")
	require.True(t, found)
	require.NoError(t, os.WriteFile(pkgs, []byte(first+"\n"), 0o644))

	o := run(t, repoRoot, nil, k, "build", "--enable-alpha-plugins", "--enable-exec", dir)
	assert.NotZero(t, o.Code, "a partial render must fail once expectedNamespaces is set")
	assert.Contains(t, o.Stderr, "(expected-namespace-missing)")
	assert.Contains(t, o.Stderr, "expectedNamespaces lists jenkins")
	assert.Empty(t, o.Stdout, "nothing to apply")
}

// TestGatewayHelmValues checks that gateway-values.yaml (the Istio gateway
// chart) deploys what the example's EgressConfig points at: the Service
// name, the pod labels the Gateways select and the ports.
func TestGatewayHelmValues(t *testing.T) {
	var values struct {
		Name    string            `yaml:"name"`
		Labels  map[string]string `yaml:"labels"`
		Service struct {
			Type  string `yaml:"type"`
			Ports []struct {
				Port       int `yaml:"port"`
				TargetPort int `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"service"`
	}
	data, err := os.ReadFile(example("kustomize-istio", "gateway-values.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &values))
	var cfg struct {
		Spec struct {
			GatewayService  string            `yaml:"gatewayService"`
			GatewaySelector map[string]string `yaml:"gatewaySelector"`
			GatewayPorts    []int             `yaml:"gatewayPorts"`
		} `yaml:"spec"`
	}
	data, err = os.ReadFile(example("kustomize-istio", "egress-config.yaml"))
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &cfg))

	assert.Equal(t, cfg.Spec.GatewayService, values.Name, "the chart names the Service after `name`")
	for k, v := range cfg.Spec.GatewaySelector {
		assert.Equal(t, v, values.Labels[k], "pod label %s selected by the generated Gateways", k)
	}
	var ports []int
	for _, p := range values.Service.Ports {
		ports = append(ports, p.Port)
		assert.Equal(t, p.Port, p.TargetPort, "the Gateway servers listen on the pod port the Service forwards to")
	}
	for _, p := range cfg.Spec.GatewayPorts {
		assert.True(t, slices.Contains(ports, p), "gatewayPorts %d is a Service port", p)
	}
	assert.Equal(t, "ClusterIP", values.Service.Type)
}

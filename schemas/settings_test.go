package schemas

import (
	"reflect"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The settings table and the public EgressConfigSpec name the same keys, in
// the same order.
func TestSettingsTableMatchesEgressConfigSpec(t *testing.T) {
	var fields []string
	for f := range reflect.TypeFor[EgressConfigSpec]().Fields() {
		fields = append(fields, jsonName(f))
	}
	assert.Equal(t, fields, SettingKeys())
	keys := SettingKeys()
	slices.Sort(keys)
	assert.Len(t, slices.Compact(keys), len(settingsTable), "a key is in the table twice")
}

// Defaults are copied: changing one Settings does not change the next.
func TestDefaultSettingsAreCopies(t *testing.T) {
	a := DefaultSettings()
	a.GatewayPorts[0] = 1
	a.GatewaySelector[0].Value = "x"
	b := DefaultSettings()
	assert.Equal(t, []int{80, 443}, b.GatewayPorts)
	assert.Equal(t, Labels{{Key: "app", Value: "egressgateway"}}, b.GatewaySelector)
	assert.False(t, b.GatewayPortsSet)
}

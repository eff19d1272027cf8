package review

import (
	"errors"

	"go.yaml.in/yaml/v3"

	"github.com/uds-egress-fn/uds-egress-fn/fn"
	"github.com/uds-egress-fn/uds-egress-fn/internal/krmio"
)

// Process runs the function over what the PATHs of one side hold, in
// order, as what gets applied (fn.ProcessApplied, the function's one
// orchestration): the review sees every result the function gives for the
// same input, and generated objects in the input are compared with what
// their Packages produce instead of being replaced.
func Process(in *Input) fn.Output {
	rl, err := in.resourceList(false)
	if err != nil {
		return fn.Failed(err)
	}
	return fn.ProcessApplied(rl)
}

// resourceList joins the parts into one ResourceList; whole parses every
// ResourceList part as one document (what fn.Process falls back to when an
// item leans on another through an alias).
func (in *Input) resourceList(whole bool) (*krmio.ResourceList, error) {
	var items []*krmio.Item
	var found *yaml.Node
	for _, part := range in.Parts {
		for _, obj := range part.Objects {
			items = append(items, krmio.NodeItem(obj))
		}
		if part.ResourceList == nil {
			continue
		}
		r, err := krmio.Parse(part.ResourceList)
		if err == nil && whole {
			r, err = r.Whole()
		}
		if err != nil {
			return nil, errors.New(part.Name + ": " + err.Error())
		}
		items = append(items, r.Items...)
		if r.FunctionConfig != nil {
			if found != nil && !sameConfig(found, r.FunctionConfig) {
				return nil, errors.New(part.Name + ": a second, different functionConfig; pass the one to use with --config")
			}
			found = r.FunctionConfig
		}
	}
	cfg := in.Config
	if cfg == nil {
		cfg = found
	}
	var fallback func() (*krmio.ResourceList, error)
	if !whole {
		fallback = func() (*krmio.ResourceList, error) { return in.resourceList(true) }
	}
	return krmio.Joined(items, cfg, fallback), nil
}

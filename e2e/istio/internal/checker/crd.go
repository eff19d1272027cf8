package checker

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apiextensions-apiserver/pkg/apihelpers"
	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	schemaobjectmeta "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/objectmeta"
	structuralpruning "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	metavalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// CRDSet is a set of CustomResourceDefinitions from one source (for
// example "istio.io/api v1.31.1" or "gateway-api v1.6.0 standard"), ready
// to validate objects as an API server that has them installed would.
type CRDSet struct {
	Name  string
	kinds map[schema.GroupKind]*crdKind
}

type crdKind struct {
	crdName    string
	namespaced bool
	versions   map[string]*crdVersion
}

type crdVersion struct {
	served             bool
	deprecated         bool
	deprecationWarning string
	hasStatus          bool
	structural         *structuralschema.Structural
	validator          apiservervalidation.SchemaValidator
	cel                *cel.Validator
}

// LoadCRDSet reads CRDs from the given YAML files (other objects in them
// are ignored) and prepares each served version's schema the way
// k8s.io/apiextensions-apiserver's customresource handler does.
func LoadCRDSet(name string, files ...string) (*CRDSet, error) {
	set := &CRDSet{Name: name, kinds: map[schema.GroupKind]*crdKind{}}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		docs, err := splitDocuments(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, d := range docs {
			var head struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
			}
			if err := yaml.Unmarshal(d.text, &head); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", f, d.line, err)
			}
			if head.Kind != "CustomResourceDefinition" || head.APIVersion != "apiextensions.k8s.io/v1" {
				continue
			}
			crd := &apiextensionsv1.CustomResourceDefinition{}
			if err := yaml.Unmarshal(d.text, crd); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", f, d.line, err)
			}
			apiextensionsv1.SetObjectDefaults_CustomResourceDefinition(crd)
			k, err := prepareCRD(crd)
			if err != nil {
				return nil, fmt.Errorf("%s: CRD %s: %w", f, crd.Name, err)
			}
			set.kinds[schema.GroupKind{Group: crd.Spec.Group, Kind: crd.Spec.Names.Kind}] = k
		}
	}
	if len(set.kinds) == 0 {
		return nil, fmt.Errorf("%s: no CustomResourceDefinition found in %v", name, files)
	}
	return set, nil
}

func prepareCRD(crd *apiextensionsv1.CustomResourceDefinition) (*crdKind, error) {
	k := &crdKind{
		crdName:    crd.Name,
		namespaced: crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		versions:   map[string]*crdVersion{},
	}
	for _, v := range crd.Spec.Versions {
		cv := &crdVersion{served: v.Served, deprecated: v.Deprecated}
		if v.DeprecationWarning != nil {
			cv.deprecationWarning = *v.DeprecationWarning
		}
		if sub, _ := apihelpers.GetSubresourcesForVersion(crd, v.Name); sub != nil && sub.Status != nil {
			cv.hasStatus = true
		}
		val, err := apihelpers.GetSchemaForVersion(crd, v.Name)
		if err != nil {
			return nil, err
		}
		if val == nil || val.OpenAPIV3Schema == nil {
			return nil, fmt.Errorf("version %s has no schema", v.Name)
		}
		internal := &apiextensionsinternal.CustomResourceValidation{}
		if err = apiextensionsv1.Convert_v1_CustomResourceValidation_To_apiextensions_CustomResourceValidation(val, internal, nil); err != nil {
			return nil, fmt.Errorf("version %s: converting the schema: %w", v.Name, err)
		}
		s, err := structuralschema.NewStructural(internal.OpenAPIV3Schema)
		if err != nil {
			return nil, fmt.Errorf("version %s: schema is not structural: %w", v.Name, err)
		}
		s = s.DeepCopy()
		if err = structuraldefaulting.PruneDefaults(s); err != nil {
			return nil, fmt.Errorf("version %s: pruning defaults: %w", v.Name, err)
		}
		cv.structural = s
		cv.validator, _, err = apiservervalidation.NewSchemaValidator(internal.OpenAPIV3Schema)
		if err != nil {
			return nil, fmt.Errorf("version %s: building the OpenAPI validator: %w", v.Name, err)
		}
		// As customresource.NewStrategy: CEL programs are compiled here,
		// compile errors surface as validation errors.
		cv.cel = cel.NewValidator(s, true, celconfig.PerCallLimit)
		k.versions[v.Name] = cv
	}
	return k, nil
}

// Has reports whether the set has a CRD for gk.
func (c *CRDSet) Has(gk schema.GroupKind) bool { return c.kinds[gk] != nil }

// Validate checks o as the API server with this CRD set installed would
// check it on create (POST with fieldValidation=Strict, kubectl's default):
//
//   - decode: unknown metadata fields, unknown fields the structural schema
//     would prune (strict field validation turns them into errors),
//     embedded ObjectMeta coercion;
//   - defaulting from the schema;
//   - PrepareForCreate: status dropped when the status subresource is on;
//   - Validate: apiVersion/kind, ObjectMeta (name a DNS-1123 subdomain,
//     namespace, labels, annotations, ...), the OpenAPI v3 schema, embedded
//     resources, x-kubernetes-list-type invariants, then the
//     x-kubernetes-validations CEL rules (skipped, as by the API server,
//     when a blocking error was found);
//   - warnings: a deprecated version, badly named finalizers.
func (c *CRDSet) Validate(o *Object, gvk schema.GroupVersionKind) []Problem {
	k := c.kinds[gvk.GroupKind()]
	if k == nil {
		return nil
	}
	prob := func(warning bool, path, format string, args ...any) Problem {
		return Problem{File: o.File, Where: o.Where(), Object: o.ID(), Layer: LayerCRD, Source: c.Name, Path: path, Message: fmt.Sprintf(format, args...), Warning: warning}
	}
	v := k.versions[gvk.Version]
	if v == nil || !v.served {
		var served []string
		for name, cv := range k.versions {
			if cv.served {
				served = append(served, name)
			}
		}
		sort.Strings(served)
		return []Problem{prob(false, "apiVersion", "version %q of %s is not served by CRD %s (served: %s)", gvk.Version, gvk.Kind, k.crdName, strings.Join(served, ", "))}
	}

	var probs []Problem
	obj := runtime.DeepCopyJSON(o.Map)
	u := &unstructured.Unstructured{Object: obj}

	// --- decode: the schema coercer (unstructuredSchemaCoercer.apply) ---
	objectMeta, foundMeta, metaUnknown, err := schemaobjectmeta.GetObjectMetaWithOptions(obj, schemaobjectmeta.ObjectMetaOptions{ReturnUnknownFieldPaths: true})
	if err != nil {
		return append(probs, prob(false, "metadata", "cannot decode metadata: %v", err))
	}
	unknown := append([]string(nil), metaUnknown...)
	unknown = append(unknown, structuralpruning.PruneWithOptions(obj, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true})...)
	structuraldefaulting.PruneNonNullableNullsWithoutDefaults(obj, v.structural)
	if ferr, paths := schemaobjectmeta.CoerceWithOptions(nil, obj, v.structural, false, schemaobjectmeta.CoerceOptions{ReturnUnknownFieldPaths: true}); ferr != nil {
		probs = append(probs, prob(false, "", "%s", ferr.Error()))
	} else {
		unknown = append(unknown, paths...)
	}
	if foundMeta {
		if err := schemaobjectmeta.SetObjectMeta(obj, objectMeta); err != nil {
			probs = append(probs, prob(false, "metadata", "%v", err))
		}
	}
	for _, p := range unknown {
		probs = append(probs, prob(false, p, "unknown field %q: not in the CRD schema; the API server rejects it under fieldValidation=Strict (kubectl's default) and silently prunes it otherwise", p))
	}

	// --- defaulting (unstructuredDefaulter) ---
	structuraldefaulting.Default(obj, v.structural)

	// --- PrepareForCreate ---
	if v.hasStatus {
		delete(obj, "status")
	}

	// --- customResourceStrategy.Validate ---
	var errs field.ErrorList
	if u.GetKind() != gvk.Kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), u.GetKind(), "must be "+gvk.Kind))
	}
	if u.GetAPIVersion() != gvk.GroupVersion().String() {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), u.GetAPIVersion(), "must be "+gvk.GroupVersion().String()))
	}
	errs = append(errs, metavalidation.ValidateObjectMetaAccessor(u, k.namespaced, metavalidation.NameIsDNSSubdomain, field.NewPath("metadata"))...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u.UnstructuredContent(), v.validator)...)
	errs = append(errs, schemaobjectmeta.Validate(nil, u.Object, v.structural, false)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, v.structural, u.Object)...)
	celSkipped := false
	if v.cel != nil {
		if hasBlockingErr(errs) {
			celSkipped = true
		} else {
			celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, u.Object, nil, celconfig.RuntimeCELCostBudget)
			errs = append(errs, celErrs...)
		}
	}
	for _, e := range errs {
		probs = append(probs, prob(false, "", "%s", e.Error()))
	}
	if celSkipped {
		// The API server adds this as an error too.
		probs = append(probs, prob(false, "", "x-kubernetes-validations (CEL) rules were not evaluated because of the errors above (the API server skips them the same way); fix those and re-run"))
	}
	// --- warnings the API server returns on create ---
	if v.deprecated {
		msg := v.deprecationWarning
		if msg == "" {
			msg = fmt.Sprintf("%s %s is deprecated", gvk.GroupVersion(), gvk.Kind)
		}
		probs = append(probs, prob(true, "apiVersion", "%s", msg))
	}
	for _, f := range u.GetFinalizers() {
		for _, w := range finalizerWarnings(f, field.NewPath("metadata", "finalizers")) {
			probs = append(probs, prob(true, "metadata.finalizers", "%s", w))
		}
	}
	return probs
}

// hasBlockingErr is customresource.hasBlockingErr: these error types stop
// the API server from running the CEL rules.
func hasBlockingErr(errs field.ErrorList) bool {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return true
		}
	}
	return false
}

var standardFinalizers = sets.New(metav1.FinalizerOrphanDependents, metav1.FinalizerDeleteDependents, string(corev1.FinalizerKubernetes))

// finalizerWarnings is customresource.validateKubeFinalizerName.
func finalizerWarnings(s string, fldPath *field.Path) []string {
	var out []string
	for _, msg := range utilvalidation.IsQualifiedName(s) {
		out = append(out, fmt.Sprintf("%s: %q: %s", fldPath.String(), s, msg))
	}
	if len(strings.Split(s, "/")) == 1 && !standardFinalizers.Has(s) {
		if strings.Contains(s, ".") {
			out = append(out, fmt.Sprintf("%s: %q: prefer a domain-qualified finalizer name including a path (/) to avoid accidental conflicts with other finalizer writers", fldPath.String(), s))
		} else {
			out = append(out, fmt.Sprintf("%s: %q: prefer a domain-qualified finalizer name to avoid accidental conflicts with other finalizer writers", fldPath.String(), s))
		}
	}
	return out
}

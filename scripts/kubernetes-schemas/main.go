// Command kubernetes-schemas prints, as JSON keyed by Go type name, the fully flattened CRD (OpenAPI v3) schemas that
// controller-tools generates for the Kubernetes core types embedded in the Workspace and WorkspaceKind CRDs.
//
// Usage (from the repository root; `npm run import` runs it):
//
//	go -C scripts/kubernetes-schemas run . -o ../../lib/core/generated/kubernetes-schemas.json ./types
//
// The argument is the module that pins k8s.io/api: its packages are loaded from there, so the schemas are those of
// that release whatever k8s.io/api version controller-tools itself is built with. The output file is written only
// when generation succeeds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"golang.org/x/tools/go/packages"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/controller-tools/pkg/crd"
	crdmarkers "sigs.k8s.io/controller-tools/pkg/crd/markers"
	"sigs.k8s.io/controller-tools/pkg/loader"
	"sigs.k8s.io/controller-tools/pkg/markers"
)

// embeddedTypes are the Kubernetes types the CRDs embed (field types of upstream's Go API), by package, each
// package with the prefix of its OpenAPI definition names (as in Kubernetes' own OpenAPI document).
var embeddedTypes = []struct {
	path, definitionPrefix string
	names                  []string
}{
	{"k8s.io/api/core/v1", "io.k8s.api.core.v1.", []string{
		"Affinity", "EnvVar", "PodSecurityContext", "Probe", "ResourceRequirements", "SecurityContext", "Toleration",
		"Volume", "VolumeMount",
	}},
	{"k8s.io/apimachinery/pkg/apis/meta/v1", "io.k8s.apimachinery.pkg.apis.meta.v1.", []string{"LabelSelector", "TypeMeta"}},
}

func main() {
	output := flag.String("o", "", "write the JSON to this file instead of standard output")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: kubernetes-schemas [-o FILE] <directory of the module that pins k8s.io/api>")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *output); err != nil {
		fmt.Fprintln(os.Stderr, "kubernetes-schemas:", err)
		os.Exit(1)
	}
}

func run(typesModule, output string) error {
	schemas, err := generate(typesModule)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(schemas, "", " ")
	if err != nil {
		return err
	}
	out = append(out, '\n')
	if output == "" {
		_, err = os.Stdout.Write(out)
		return err
	}
	return os.WriteFile(output, out, 0o644)
}

func generate(typesModule string) (map[string]apiextensionsv1.JSONSchemaProps, error) {
	dir, err := filepath.Abs(typesModule)
	if err != nil {
		return nil, err
	}
	// The root is the pinning package (which imports core/v1), as an API package is for controller-gen: errors are
	// reported for the root only, not for the dependencies it reads types from.
	roots, err := loader.LoadRootsWithConfig(&packages.Config{Dir: dir}, ".")
	if err != nil {
		return nil, err
	}
	registry := &markers.Registry{}
	if err := crdmarkers.Register(registry); err != nil {
		return nil, err
	}
	parser := &crd.Parser{
		Collector: &markers.Collector{Registry: registry},
		Checker:   &loader.TypeChecker{},
	}
	crd.AddKnownTypes(parser)
	if len(roots) != 1 {
		return nil, fmt.Errorf("expected one package in %s, found %d", dir, len(roots))
	}
	schemas := make(map[string]apiextensionsv1.JSONSchemaProps)
	for _, group := range embeddedTypes {
		pkg := roots[0].Imports()[group.path]
		if pkg == nil {
			return nil, fmt.Errorf("the package in %s does not import %s", dir, group.path)
		}
		parser.NeedPackage(pkg)
		for _, name := range group.names {
			if parser.LookupType(pkg, name) == nil {
				return nil, fmt.Errorf("%s has no type %s", group.path, name)
			}
			ident := crd.TypeIdent{Package: pkg, Name: name}
			parser.NeedFlattenedSchemaFor(ident)
			schemas[group.definitionPrefix+name] = parser.FlattenedSchemata[ident]
		}
	}
	var errs []string
	for _, root := range roots {
		for _, e := range root.Errors {
			errs = append(errs, e.Error())
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, fmt.Errorf("loading %s: %v", dir, errs)
	}
	return schemas, nil
}

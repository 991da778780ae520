// The differential test's reference (test/cli/reader-differential.test.ts): what `kubectl apply -f FILE` reads,
// by k8s.io/cli-runtime's resource builder as kubectl apply configures it (Unstructured, ContinueOnError, Flatten),
// without a server (Local). For each FILE argument it prints one JSON line: the objects read, in order, and the
// errors the builder reports.
//
//	kfws-reader-reference FILE...
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/cli-runtime/pkg/resource"
)

type reading struct {
	File    string                   `json:"file"`
	Objects []map[string]interface{} `json:"objects"`
	Errors  []string                 `json:"errors"`
}

func read(file string) reading {
	out := reading{File: file, Objects: []map[string]interface{}{}, Errors: []string{}}
	result := resource.NewLocalBuilder().
		Unstructured().
		Local().
		ContinueOnError().
		Path(false, file).
		Flatten().
		Do()
	infos, err := result.Infos()
	for _, info := range infos {
		if u, ok := info.Object.(*unstructured.Unstructured); ok {
			out.Objects = append(out.Objects, u.Object)
		} else {
			out.Errors = append(out.Errors, fmt.Sprintf("not unstructured: %T", info.Object))
		}
	}
	if err != nil {
		if agg, ok := err.(utilerrors.Aggregate); ok {
			for _, e := range agg.Errors() {
				out.Errors = append(out.Errors, e.Error())
			}
		} else {
			out.Errors = append(out.Errors, err.Error())
		}
	}
	return out
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, file := range os.Args[1:] {
		if err := enc.Encode(read(file)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}

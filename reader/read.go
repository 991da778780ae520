// Package main is kfws's manifest reader: the bytes of one file in, the objects `kubectl apply -f` would read from
// it out, by running the code kubectl runs (k8s.io/cli-runtime's resource builder, Unstructured, Flatten,
// ContinueOnError), piece by piece:
//
//   - the file visitor's byte order mark handling (golang.org/x/text's BOMOverride: UTF-16 with a BOM, UTF-8 BOM
//     dropped);
//   - the stream visitor's YAML-or-JSON decoder (k8s.io/apimachinery/pkg/util/yaml, which splits documents with its
//     YAMLReader and converts each with sigs.k8s.io/yaml, i.e. go-yaml v2), empty and `null` documents skipped;
//   - the Unstructured decoder (unstructured.UnstructuredJSONScheme, which turns any object with `items` into a list
//     and gives kind-less items the list's kind and apiVersion) and cli-runtime's check that metadata decodes into
//     ObjectMeta;
//   - the list flattening of cli-runtime's FlattenListVisitor (meta.IsListType, meta.ExtractList) and the
//     Unstructured typer's check that each item has a kind and an apiVersion.
//
// cli-runtime itself is not linked in: its builder brings client-go and kustomize (tens of MiB of WebAssembly). Its
// few lines of glue are restated here, and the differential test (test/cli/reader-differential.test.ts) runs the
// real builder over a corpus to hold this composition to it.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	goyaml "go.yaml.in/yaml/v2"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Object is one object kubectl would apply.
type Object struct {
	// Document is the 1-based index of the document (a Decode call of the stream) the object comes from.
	Document int `json:"document"`
	// Item is the object's place in its List document (`items[2]`, `items[0].items[1]`); empty for a document.
	Item string `json:"item,omitempty"`
	// Object is the object as kubectl holds it (unstructured JSON).
	Object map[string]interface{} `json:"object"`
}

// Refusal is an input kubectl refuses: a document it cannot decode (it reads no further in the file) or an object
// it cannot type (it goes on with the next).
type Refusal struct {
	// Stage is "file" (the bytes), "stream" (a document that cannot be decoded: kubectl reads no further),
	// "object" (a document or item that cannot be typed: kubectl goes on with the next) or "limit" (an object
	// kubectl reads but kfws will not: see unreadable).
	Stage    string `json:"stage"`
	Document int    `json:"document,omitempty"`
	Item     string `json:"item,omitempty"`
	Line     int    `json:"line,omitempty"`
	Message  string `json:"message"`
}

// Document is where a document of the stream starts and ends (1-based lines, end inclusive).
type Document struct {
	Index     int `json:"index"`
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine"`
}

// Result is what one file gives.
type Result struct {
	Objects   []Object   `json:"objects"`
	Refusals  []Refusal  `json:"refusals"`
	Documents []Document `json:"documents"`
	// Text is the file as UTF-8 when the file visitor transcoded it (a UTF-16 file), for line lookups.
	Text *string `json:"text,omitempty"`
}

// Limits bound what one file may produce.
type Limits struct {
	// MaxOutput is the most bytes of JSON the objects of the file may take (aliases expanded).
	MaxOutput int
}

// The file visitor's decoding: UTF-16 when a BOM says so, UTF-8 otherwise (a UTF-8 BOM dropped).
func transcode(data []byte) ([]byte, error) {
	out, _, err := transform.Bytes(unicode.BOMOverride(unicode.UTF8.NewDecoder()), data)
	return out, err
}

// Read reads one file as `kubectl apply -f FILE` does.
func Read(data []byte, limits Limits) Result {
	res := Result{Objects: []Object{}, Refusals: []Refusal{}, Documents: []Document{}}
	if bad := invalidUTF8(data); bad >= 0 {
		lines := newLineIndex(data, true)
		res.Refusals = append(res.Refusals, Refusal{Stage: "file", Line: lines.line(bad),
			Message: fmt.Sprintf("invalid UTF-8 (byte 0x%02x at byte offset %d; kubectl would read it as U+FFFD)", data[bad], bad)})
		return res
	}
	text, err := transcode(data)
	if err != nil {
		res.Refusals = append(res.Refusals, Refusal{Stage: "file", Message: fmt.Sprintf("cannot decode the file's text: %v", err)})
		return res
	}
	if !bytes.Equal(text, data) && !(len(data) >= 3 && bytes.Equal(text, data[3:])) {
		s := string(text)
		res.Text = &s
	}
	var chunks [][]byte
	res.Documents, chunks = documentLines(text)
	lineOf := func(document int) int {
		if document >= 1 && document <= len(res.Documents) {
			return res.Documents[document-1].StartLine
		}
		return 0
	}

	output := 0
	decoder := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(text), 4096)
	for document := 1; ; document++ {
		ext := runtime.RawExtension{}
		if err := decoder.Decode(&ext); err != nil {
			if err == io.EOF { //nolint:errorlint // as the stream visitor compares it
				break
			}
			res.Refusals = append(res.Refusals, Refusal{Stage: "stream", Document: document, Line: syntaxLine(err, lineOf(document)), Message: err.Error()})
			break
		}
		raw := bytes.TrimSpace(ext.Raw)
		if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
			continue
		}
		output += len(raw)
		if limits.MaxOutput > 0 && output > limits.MaxOutput {
			res.Refusals = append(res.Refusals, Refusal{Stage: "stream", Document: document, Line: lineOf(document),
				Message: fmt.Sprintf("aliases expand the file past the limit of %d bytes of JSON", limits.MaxOutput)})
			break
		}
		if document <= len(chunks) {
			if found := collidingKeys(chunks[document-1]); found != "" {
				res.Refusals = append(res.Refusals, Refusal{Stage: "limit", Document: document, Line: lineOf(document), Message: found})
				continue
			}
		}
		obj, err := decode(raw)
		if err != nil {
			res.Refusals = append(res.Refusals, Refusal{Stage: "object", Document: document, Line: lineOf(document), Message: shortError(err)})
			continue
		}
		flatten(document, obj, &res, lineOf(document))
	}
	return res
}

var decoder runtime.Decoder = unstructured.UnstructuredJSONScheme

// decode is cli-runtime's mapper.infoForData decoding (metadataValidatingDecoder over UnstructuredJSONScheme).
func decode(data []byte) (runtime.Object, error) {
	obj, _, err := decoder.Decode(data, nil, nil)
	if err != nil {
		return nil, err
	}
	meta := &struct {
		metav1.TypeMeta   `json:",inline"`
		metav1.ObjectMeta `json:"metadata,omitempty"`
	}{}
	if err := utiljson.Unmarshal(data, meta); err != nil {
		return nil, err
	}
	return obj, nil
}

type pending struct {
	obj  runtime.Object
	path string
}

// flatten is FlattenListVisitor: lists expanded breadth first, each item typed as the Unstructured typer does.
func flatten(document int, obj runtime.Object, res *Result, line int) {
	if !meta.IsListType(obj) {
		emit(document, "", obj, res, line)
		return
	}
	var items []pending
	queue := []pending{{obj: obj}}
	for i := 0; i < len(queue); i++ {
		current := queue[i]
		if !meta.IsListType(current.obj) {
			items = append(items, current)
			continue
		}
		children, err := meta.ExtractList(current.obj)
		if err != nil {
			res.Refusals = append(res.Refusals, Refusal{Stage: "object", Document: document, Item: current.path, Line: line, Message: shortError(err)})
			return
		}
		for k, child := range children {
			prefix := ""
			if current.path != "" {
				prefix = current.path + "."
			}
			queue = append(queue, pending{obj: child, path: prefix + "items[" + strconv.Itoa(k) + "]"})
		}
	}
	for _, item := range items {
		if err := typeCheck(item.obj); err != nil {
			res.Refusals = append(res.Refusals, Refusal{Stage: "object", Document: document, Item: item.path, Line: line, Message: shortError(err)})
			continue
		}
		emit(document, item.path, item.obj, res, line)
	}
}

func emit(document int, item string, obj runtime.Object, res *Result, line int) {
	content := obj.(runtime.Unstructured).UnstructuredContent()
	if found := unreadable(content, "", 0); found != "" {
		res.Refusals = append(res.Refusals, Refusal{Stage: "limit", Document: document, Item: item, Line: line, Message: found})
		return
	}
	res.Objects = append(res.Objects, Object{Document: document, Item: item, Object: content})
}

// typeCheck is unstructuredscheme's ObjectKinds: an item needs a kind and an apiVersion.
func typeCheck(obj runtime.Object) error {
	gvk := obj.GetObjectKind().GroupVersionKind()
	if gvk.Kind == "" {
		return runtime.NewMissingKindErr("object has no kind field ")
	}
	if gvk.Version == "" {
		return runtime.NewMissingVersionErr("object has no apiVersion field")
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+):`)

// syntaxLine is the file line of a decoding error: go-yaml counts lines from the start of the document.
func syntaxLine(err error, documentLine int) int {
	var syntax yaml.YAMLSyntaxError
	if errors.As(err, &syntax) {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil && documentLine > 0 {
			n, _ := strconv.Atoi(m[1])
			return documentLine + n - 1
		}
	}
	return documentLine
}

// marshal writes the result; a result that cannot be written (it always can) says why.
func marshal(res Result) []byte {
	out, err := json.Marshal(res)
	if err != nil {
		out, _ = json.Marshal(Result{Objects: []Object{}, Documents: []Document{}, Refusals: []Refusal{{Message: err.Error()}}})
	}
	return out
}

// maxExact is 2^53: JavaScript numbers hold every integer up to it, and no more.
const maxExact = 1 << 53

// maxDepth is how deep kfws reads objects (go-yaml allows 10,000 levels; no manifest needs 100).
const maxDepth = 100

// unreadable finds what kfws will not read although kubectl does: an integer JavaScript cannot hold exactly (kfws
// would compare it wrongly), or nesting deeper than maxDepth.
func unreadable(v interface{}, path string, depth int) string {
	switch t := v.(type) {
	case int64:
		if t > maxExact || t < -maxExact {
			return fmt.Sprintf("%s: the integer %d is beyond ±2^53, which kfws cannot compare exactly", shortPath(path), t)
		}
	case map[string]interface{}:
		if depth >= maxDepth {
			return fmt.Sprintf("%s: nested more than %d levels deep", shortPath(path), maxDepth)
		}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys) // the first problem in key order: the same message on every run
		for _, k := range keys {
			if found := unreadable(t[k], path+"."+k, depth+1); found != "" {
				return found
			}
		}
	case []interface{}:
		if depth >= maxDepth {
			return fmt.Sprintf("%s: nested more than %d levels deep", shortPath(path), maxDepth)
		}
		for i, child := range t {
			if found := unreadable(child, path+"["+strconv.Itoa(i)+"]", depth+1); found != "" {
				return found
			}
		}
	}
	return ""
}

// invalidUTF8 is the offset of the first byte that is not UTF-8 in a file without a UTF-16 byte order mark, or -1.
func invalidUTF8(data []byte) int {
	if len(data) >= 2 && ((data[0] == 0xff && data[1] == 0xfe) || (data[0] == 0xfe && data[1] == 0xff)) {
		return -1
	}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// shortError is err's message without the copy of the whole document some decoding errors carry.
func shortError(err error) string {
	if runtime.IsMissingKind(err) {
		return "Object 'Kind' is missing"
	}
	if runtime.IsMissingVersion(err) {
		return "Object 'apiVersion' is missing"
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300] + "..."
	}
	return msg
}

// shortPath is a field path for a message: the first 80 bytes of it, without the leading dot.
func shortPath(path string) string {
	path = strings.TrimPrefix(path, ".")
	if path == "" {
		return "the object"
	}
	if len(path) > 80 {
		return path[:80] + "..."
	}
	return path
}

// collidingKeys finds two different keys of one mapping that become the same JSON key (1 and "1", true and "true"):
// sigs.k8s.io/yaml keeps one of them, picked by Go's random map order, so kubectl reads such a document differently
// from one run to the next. It reads the document with go-yaml v2, the parser sigs.k8s.io/yaml uses.
func collidingKeys(chunk []byte) string {
	var doc goyaml.MapSlice
	if err := goyaml.Unmarshal(chunk, &doc); err != nil {
		return "" // not a mapping, or not YAML: the decoder reports it
	}
	return collisions(doc, "")
}

func collisions(v interface{}, path string) string {
	switch t := v.(type) {
	case goyaml.MapSlice:
		seen := map[string]interface{}{}
		for _, item := range t {
			name, ok := jsonKey(item.Key)
			if !ok {
				return "" // a key sigs.k8s.io/yaml refuses: the decoder reports it
			}
			if prev, ok := seen[name]; ok && !sameKey(prev, item.Key) {
				return fmt.Sprintf("%s: the keys %#v and %#v are both %q in JSON, and kubectl keeps either of them at random", shortPath(path), prev, item.Key, name)
			}
			seen[name] = item.Key
			if found := collisions(item.Value, path+"."+name); found != "" {
				return found
			}
		}
	case []interface{}:
		for i, child := range t {
			if found := collisions(child, path+"["+strconv.Itoa(i)+"]"); found != "" {
				return found
			}
		}
	}
	return ""
}

func sameKey(a, b interface{}) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta, tb := reflect.TypeOf(a), reflect.TypeOf(b)
	return ta == tb && ta.Comparable() && a == b
}

// jsonKey is the JSON key sigs.k8s.io/yaml (v1.6, convertToJSONableObject) makes of a YAML key.
func jsonKey(key interface{}) (string, bool) {
	switch k := key.(type) {
	case string:
		return k, true
	case int:
		return strconv.Itoa(k), true
	case int64:
		return strconv.FormatInt(k, 10), true
	case float64:
		s := strconv.FormatFloat(k, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, true
	case bool:
		return strconv.FormatBool(k), true
	}
	return "", false
}

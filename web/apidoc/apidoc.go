// Package apidoc holds the integration API's OpenAPI 3.1 document
// (openapi.yaml, written by hand and embedded in the binary) and the few
// facts the server and its documentation page read from it.
package apidoc

//go:generate go tool oapi-codegen -config apiclientgen/oapi-codegen.yaml openapi.yaml

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed openapi.yaml
var yamlDoc []byte

// YAML is the document as written.
func YAML() []byte { return yamlDoc }

// JSON returns the document as JSON (what /api/v1/openapi.json serves).
func JSON() ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(yamlDoc, &v); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	return json.MarshalIndent(v, "", " ")
}

// Operation is one operation of the document, as the documentation page
// lists it.
type Operation struct {
	ID     string
	Method string
	Path   string // under /api/v1
	Tag    string
	Scopes []string
}

// Operations lists the document's operations, by tag order then path.
func Operations() ([]Operation, error) {
	var d struct {
		Tags []struct {
			Name string `yaml:"name"`
		} `yaml:"tags"`
		Paths map[string]map[string]struct {
			OperationID string                `yaml:"operationId"`
			Tags        []string              `yaml:"tags"`
			Security    []map[string][]string `yaml:"security"`
		} `yaml:"paths"`
	}
	if err := yaml.Unmarshal(yamlDoc, &d); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	order := map[string]int{}
	for i, t := range d.Tags {
		order[t.Name] = i
	}
	var out []Operation
	for path, ops := range d.Paths {
		for method, op := range ops {
			o := Operation{ID: op.OperationID, Method: strings.ToUpper(method), Path: path}
			if len(op.Tags) > 0 {
				o.Tag = op.Tags[0]
			}
			for _, req := range op.Security {
				o.Scopes = append(o.Scopes, req["oauth2"]...)
			}
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if order[a.Tag] != order[b.Tag] {
			return order[a.Tag] < order[b.Tag]
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return out, nil
}

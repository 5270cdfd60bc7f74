package handlers

import (
	_ "embed"
	"fmt"
	"net/http"

	"go.yaml.in/yaml/v3"

	"parindex/workflow"
)

//go:embed openapi.yaml
var openapiSource []byte

// OpenAPIDocument returns the API's OpenAPI 3 document with the State and
// Event enums filled from the workflow's transition table, so the document
// cannot drift from the state machine.
func OpenAPIDocument() ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(openapiSource, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	states := make([]string, len(workflow.States))
	for i, st := range workflow.States {
		states[i] = string(st)
	}
	for name, values := range map[string][]string{"State": states, "Event": workflow.Events()} {
		enum := find(&doc, "components", "schemas", name, "enum")
		if enum == nil {
			return nil, fmt.Errorf("openapi.yaml: components.schemas.%s.enum is missing", name)
		}
		enum.Kind, enum.Style, enum.Content = yaml.SequenceNode, yaml.FlowStyle, nil
		for _, v := range values {
			enum.Content = append(enum.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v})
		}
	}
	return yaml.Marshal(&doc)
}

// find walks mapping keys down a YAML document.
func find(n *yaml.Node, path ...string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, key := range path {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
	w.Write(s.openapi)
}

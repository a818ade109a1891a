// Package yamltree is the one set of YAML helpers of podinit: documents as
// node trees that keep every key's line, read with go.yaml.in/yaml/v4, the
// library compose-go parses Compose files with, so that YAML means the same
// everywhere (`no` is a string, as in YAML 1.2); and the plain values they
// decode to. Package labels reads pod declarations with it, and package
// template stack files and templates.
package yamltree

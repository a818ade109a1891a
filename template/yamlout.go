package template

import (
	"bytes"
	"fmt"

	yaml "go.yaml.in/yaml/v4"
)

// marshalYAML writes v as YAML with two-space indents; maps come out with
// sorted keys, which makes the output deterministic.
func marshalYAML(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// yamlErrLine and yamlErrText split a YAML parser error into its line and
// its text.
func yamlErrLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil && m[1] != "" {
		n := 0
		fmt.Sscan(m[1], &n)
		return n
	}
	return 0
}

func yamlErrText(err error) string {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		return m[2]
	}
	return err.Error()
}

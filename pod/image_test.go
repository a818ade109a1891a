package pod

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRegistryAuthFindsDockerHubAndPrivateRegistries(t *testing.T) {
	dir := t.TempDir()
	f := dir + "/config.json"
	writeFile(t, f, `{"auths": {
		"https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
		"registry.example.com:5000": {"username": "u", "password": "p"}}}`)
	auth, from := registryAuth("nginx:1.27", []string{dir + "/missing.json", f})
	require.NotEmpty(t, auth, "Docker Hub images use the index.docker.io key (podlike never matched it)")
	require.Contains(t, from, "https://index.docker.io/v1/")
	auth, from = registryAuth("registry.example.com:5000/team/app:1", []string{f})
	require.NotEmpty(t, auth)
	require.Contains(t, from, "registry.example.com:5000")
	auth, _ = registryAuth("quay.io/x/y", []string{f})
	require.Empty(t, auth)
}

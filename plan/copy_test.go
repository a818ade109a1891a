package plan

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

// TestPlanChecksSecretsAndConfigs: a secret or config the controller lacks
// fails the plan, naming it and saying to give it to the service; without
// the controller's files one warning says what the controller will check.
func TestPlanChecksSecretsAndConfigs(t *testing.T) {
	dir := t.TempDir()
	have := filepath.Join(dir, "have")
	require.NoError(t, os.WriteFile(have, []byte("x"), 0o444))
	obj := func(kind, name, src string) podspec.Copy {
		return podspec.Copy{Src: src, Dst: "/x/" + name, Object: &podspec.SwarmObject{Kind: kind, Name: name, Key: kind + "s[0]"}}
	}
	spec := podspec.Spec{Components: []podspec.Component{
		{Name: "app", Source: "compose.yml: services.app", Lines: map[string]int{"secrets": 4, "configs": 6}, Config: container.Config{Image: "x"},
			Copies: []podspec.Copy{obj("secret", "have", have), obj("secret", "db", filepath.Join(dir, "db")), {Src: "/not/checked", Dst: "/y"}}},
		{Name: "web", Source: "compose.yml: services.web", Lines: map[string]int{"configs": 9}, Config: container.Config{Image: "x"},
			Copies: []podspec.Copy{obj("config", "conf", dir)}},
	}}
	ctrl := ceilingCtrl()
	ctrl.FilesHere = true
	_, err := NewPlan(spec, ctrl, Options{})
	var pe *PlanError
	require.ErrorAs(t, err, &pe)
	var got []string
	for _, p := range pe.Problems {
		got = append(got, p.Error())
	}
	require.Equal(t, []string{
		"compose.yml (line 4): services.app.secrets[0]: secret db: the controller has no " + filepath.Join(dir, "db") + ": give the secret to the controller's service (docker service create --secret db, or secrets: [db] on the service in the stack)",
		"compose.yml (line 9): services.web.configs[0]: config conf: " + dir + " in the controller is not a regular file: Swarm mounts a config as a file",
	}, got)

	ctrl.FilesHere = false
	p, err := NewPlan(spec, ctrl, Options{})
	require.NoError(t, err)
	require.Contains(t, p.Warnings, "secrets and configs are not checked here, as podinit does not run in the controller: the controller checks at start that it has secret have ("+have+"), secret db ("+filepath.Join(dir, "db")+"), config conf ("+dir+")")
}

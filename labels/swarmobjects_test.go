package labels

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/podspec"
)

func objectCopy(src, dst string, mode uint32, uid, gid int, kind, name, key string) podspec.Copy {
	return podspec.Copy{Src: src, Dst: dst, Mode: &mode, UID: &uid, GID: &gid,
		Object: &podspec.SwarmObject{Kind: kind, Name: name, Key: key}}
}

// TestSecretsAndConfigsShortForm: a name is copied from where Swarm mounts
// it on the controller to where Compose mounts it in a container, read-only
// for everyone and owned by root.
func TestSecretsAndConfigsShortForm(t *testing.T) {
	c := component(t, "image: x\nsecrets: [db_password]\nconfigs: [app.conf]")
	assert.Equal(t, []podspec.Copy{
		objectCopy("/run/secrets/db_password", "/run/secrets/db_password", 0o444, 0, 0, "secret", "db_password", "secrets[0]"),
		objectCopy("/app.conf", "/app.conf", 0o444, 0, 0, "config", "app.conf", "configs[0]"),
	}, c.Copies)
}

// TestSecretsAndConfigsLongForm: target, mode (octal, as a YAML number or
// a string), uid and gid; a relative target is under /run/secrets for a
// secret and under / for a config, as Compose places them.
func TestSecretsAndConfigsLongForm(t *testing.T) {
	c := component(t, `image: x
secrets:
  - source: db
    target: /etc/db/password
    mode: 0400
    uid: "1000"
    gid: "2000"
  - {source: api, target: api_token, mode: "0440"}
configs:
  - {source: nginx, target: /etc/nginx/nginx.conf, mode: 0644, uid: "101"}
  - {source: extra, target: etc/extra.conf}
`)
	assert.Equal(t, []podspec.Copy{
		objectCopy("/run/secrets/db", "/etc/db/password", 0o400, 1000, 2000, "secret", "db", "secrets[0]"),
		objectCopy("/run/secrets/api", "/run/secrets/api_token", 0o440, 0, 0, "secret", "api", "secrets[1]"),
		objectCopy("/nginx", "/etc/nginx/nginx.conf", 0o644, 101, 0, "config", "nginx", "configs[0]"),
		objectCopy("/extra", "/etc/extra.conf", 0o444, 0, 0, "config", "extra", "configs[1]"),
	}, c.Copies)
}

// TestSecretsThenPodCopy: pod.copy entries come after the component's
// secrets and configs, so that one to the same target wins.
func TestSecretsThenPodCopy(t *testing.T) {
	spec, err := FromLabels(map[string]string{
		ComponentPrefix + "app": "image: x\nsecrets: [s]",
		CopyPrefix + "app":      "/etc/s:/run/secrets/s",
	}, nil)
	require.NoError(t, err)
	cs := spec.Components[0].Copies
	require.Len(t, cs, 2)
	assert.Equal(t, "secret", cs[0].Object.Kind)
	assert.Equal(t, podspec.Copy{Src: "/etc/s", Dst: "/run/secrets/s"}, cs[1])
}

// TestSecretsAndConfigsErrors: each bad reference is reported at its line,
// with the component and the key, all at once.
func TestSecretsAndConfigsErrors(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte(`services:
  app:
    image: x
    secrets:
      - {source: db, uid: root}
      - {source: "..", target: /x}
    configs:
      - {source: c, mode: 01777, gid: "-1"}
      - {source: d, target: /}
`), 0o644))
	_, err := FromComposeFile(f, nil)
	var got []string
	for _, e := range flatten(err) {
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		f + ` (line 4): services.app.secrets[0]: uid "root": give a numeric uid (the component's user names are not known to the pod)`,
		f + ` (line 4): services.app.secrets[1]: source "..": give the name of a secret the controller's service has (letters, digits, '.', '_' and '-')`,
		f + ` (line 7): services.app.configs[0]: mode 01777: give permission bits, 0000 to 0777 (0400: read by its owner only)`,
		f + ` (line 7): services.app.configs[0]: gid "-1": give a numeric gid (the component's user names are not known to the pod)`,
		f + ` (line 7): services.app.configs[1]: target "/": give a file's path in the component`,
	}, got)
}

// TestTopLevelSecretsAndConfigs: how the stack makes a secret or config is
// warned about at its line; name and external need nothing; x-podinit.path
// says where the controller has one that its service mounts elsewhere; an
// unknown key is an error.
func TestTopLevelSecretsAndConfigs(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pod.yml")
	require.NoError(t, os.WriteFile(f, []byte(`services:
  app:
    image: x
    secrets: [db, moved]
    configs: [conf]
secrets:
  db:
    file: ./db_password.txt
  moved:
    external: true
    name: prod_moved
    x-podinit: {path: /run/secrets/elsewhere}
configs:
  conf:
    content: "listen 80"
    x-other: 1
`), 0o644))
	spec, err := FromComposeFile(f, nil)
	assert.Equal(t, []string{
		f + " (line 8): secrets.db.file: ./db_password.txt " + Keys["secrets.<name>.file"].Why,
		f + " (line 15): configs.conf.content: listen 80 " + Keys["configs.<name>.content"].Why,
	}, warnings(t, err, spec.Warnings))
	cs := spec.Components[0].Copies
	require.Len(t, cs, 3)
	assert.Equal(t, "/run/secrets/db", cs[0].Src)
	assert.Equal(t, "/run/secrets/elsewhere", cs[1].Src)
	assert.Equal(t, "/run/secrets/moved", cs[1].Dst, "the component's target stays Compose's default")
	assert.Equal(t, "/conf", cs[2].Src)

	require.NoError(t, os.WriteFile(f, []byte(`services:
  app: {image: x, secrets: [db]}
secrets:
  db:
    fiel: ./db.txt
    x-podinit: {path: relative}
configs:
  c:
    driver: x
`), 0o644))
	_, err = FromComposeFile(f, nil)
	var got []string
	for _, e := range flatten(err) {
		got = append(got, e.Error())
	}
	assert.Equal(t, []string{
		f + ` (line 5): secrets.db.fiel: unknown key of a secret declaration (it has driver, driver_opts, environment, external, file, labels, name, template_driver, x-podinit)`,
		f + ` (line 6): secrets.db.x-podinit: path "relative": give the absolute path of the file inside the controller`,
		f + ` (line 9): configs.c.driver: unknown key of a config declaration (it has content, environment, external, file, labels, name, template_driver, x-podinit)`,
	}, got)
}

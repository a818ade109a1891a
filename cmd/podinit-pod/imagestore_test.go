package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
)

// The image store: Docker 29 installs with the containerd image store,
// where other projects met lookups by image ID failing ("No such image:
// sha256:…"). podinit refers to an image by ID in one place: the IPC
// holder is made from the controller's image as the controller's inspect
// names it (its Image, an ID), so that it is the very image the controller
// runs even when the tag has moved since. Everything else goes by the name
// a label gives. These tests run on every engine; the 28-containerd stage
// of `make test` runs them (with the whole suite) on the containerd store.

// imageStoreEnv is PODINIT_TEST_IMAGE_STORE: "containerd" when the stage
// runs the engine with the containerd image store (scripts/test.sh sets
// it), so that a stage that says so never tests the other store.
const imageStoreEnv = "PODINIT_TEST_IMAGE_STORE"

// containerdStore reports whether the engine keeps its images in
// containerd (docker info's DriverStatus says driver-type
// io.containerd.snapshotter.v1).
func containerdStore(t *testing.T) bool {
	t.Helper()
	out := testenv.MustDocker(t, "info", "--format", "{{json .DriverStatus}}")
	return strings.Contains(out, "io.containerd.snapshotter.v1")
}

func TestEngineImageStoreIsTheStagesOne(t *testing.T) {
	testenv.RequireDocker(t)
	want := os.Getenv(imageStoreEnv)
	got := "graphdriver"
	if containerdStore(t) {
		got = "containerd"
	}
	t.Logf("the engine's image store: %s", got)
	switch want {
	case "":
	case "containerd", "graphdriver":
		require.Equal(t, want, got, "%s=%s but the engine uses the %s image store (start it with scripts/engine.sh 28-containerd)", imageStoreEnv, want, got)
	default:
		t.Fatalf("%s=%q: want containerd or graphdriver", imageStoreEnv, want)
	}
}

// buildImage builds a one-line image FROM base with a label of its own
// (`docker build`, the classic builder, as `make image` builds podinit's),
// tags it, and returns its ID; cleanup removes it.
func buildImage(t *testing.T, base, tag, label string) string {
	t.Helper()
	cmd := exec.Command("docker", "build", "-q", "-t", tag, "-")
	// The tag in the label makes the image this test's own: the build cache
	// would give two tests that build the same lines one image, and the
	// first cleanup would remove it from under the other.
	cmd.Stdin = strings.NewReader("FROM " + base + "\nLABEL podinit.test=" + tag + "-" + label + "\n")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "docker build: %s", out)
	id := testenv.MustDocker(t, "image", "inspect", "-f", "{{.Id}}", tag)
	t.Cleanup(func() { testenv.Docker("image", "rm", "-f", id) })
	return id
}

// TestImagesAreFoundByNameAndByID: an image made with `docker import`
// (podinit-test/busybox), one made with `docker build` (podinit's own), and
// a built image whose tag has since moved to another image (left without a
// name): each is found by name where it has one, by its full ID, by the ID
// without "sha256:", and by the ID a container made from it reports; and a
// container can be made from that ID. These are the engine's GET
// /images/{name}/json and POST /containers/create that podinit makes.
func TestImagesAreFoundByNameAndByID(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	moved := uniqueName(t, "img")
	oldID := buildImage(t, podImage, moved, "first")
	newID := buildImage(t, podImage, moved, "second")
	require.NotEqual(t, oldID, newID)
	images := map[string]struct{ name, id string }{
		"imported":  {bbox, testenv.MustDocker(t, "image", "inspect", "-f", "{{.Id}}", bbox)},
		"built":     {podImage, testenv.MustDocker(t, "image", "inspect", "-f", "{{.Id}}", podImage)},
		"tag moved": {"", oldID},
	}
	for kind, img := range images {
		t.Run(kind, func(t *testing.T) {
			require.True(t, strings.HasPrefix(img.id, "sha256:"), "an image ID: %s", img.id)
			refs := []string{img.id, strings.TrimPrefix(img.id, "sha256:")}
			if img.name != "" {
				refs = append(refs, img.name)
			}
			for _, ref := range refs {
				out, err := testenv.Docker("image", "inspect", "-f", "{{.Id}}", ref)
				require.NoError(t, err, "the %s image by %s: %s", kind, ref, out)
				require.Equal(t, img.id, out, "the %s image by %s", kind, ref)
			}
			c := uniqueName(t, "byid")
			testenv.MustDocker(t, "create", "--name", c, img.id, "true")
			defer testenv.Docker("rm", "-f", c)
			reported := testenv.MustDocker(t, "inspect", "-f", "{{.Image}}", c)
			require.Equal(t, img.id, reported, "the image ID a container made from the %s image reports", kind)
			out, err := testenv.Docker("image", "inspect", "-f", "{{.Id}}", reported)
			require.NoError(t, err, "the %s image by the ID its container reports: %s", kind, out)
		})
	}
}

// TestPodRunsFromAnImageWhoseTagMoved: a controller made from a built image
// whose tag has since moved to another image. The IPC holder is made from
// the controller's image by the ID the engine reports for the controller:
// the pod starts, and stops leaving nothing.
func TestPodRunsFromAnImageWhoseTagMoved(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	tag := uniqueName(t, "img")
	oldID := buildImage(t, podImage, tag, "first")
	buildImage(t, podImage, tag, "second")
	p := runPodFrom(t, "/var/run/docker.sock", oldID, map[string]string{
		"pod.component.app": "image: " + bbox + "\ncommand: sleep 3600",
	}, nil)
	p.running("app", "ipc-holder")
	require.Equal(t, oldID, testenv.MustDocker(t, "inspect", "-f", "{{.Image}}", p.name+".ipc-holder"),
		"the holder runs the controller's own image")
	testenv.MustDocker(t, "stop", "-t", "20", p.name)
	require.Equal(t, 0, p.exitCode(30*time.Second), "logs:\n%s", p.logs())
	p.noneLeft()
}

// TestMissingImageFailsCleanlyOffline: nothing can be pulled here, so a
// component whose image is missing makes podinit try to pull it, and the
// pull fails. The pod fails with podinit's message (which image, and what
// to check), exit code 3, and leaves no container: not the sidecar that
// was already running, not the IPC holder.
func TestMissingImageFailsCleanlyOffline(t *testing.T) {
	t.Parallel()
	missing := "podinit-test/not-here:" + strings.TrimPrefix(uniqueName(t, "tag"), "pt-")
	p := runPod(t, map[string]string{
		"pod.component.side": "image: " + bbox + "\ncommand: sleep 3600",
		"pod.component.app":  "image: " + missing + "\ncommand: sleep 1\ndepends_on: [side]",
	}, nil, "-pull-timeout", "30s")
	require.Equal(t, 3, p.exitCode(90*time.Second))
	logs := p.logs()
	require.Contains(t, logs, "pulling image "+missing+": ")
	require.Contains(t, logs, "(is the name right, and can this node reach its registry?)")
	p.noneLeft()
	_, err := testenv.Docker("image", "inspect", missing)
	require.Error(t, err, "nothing was pulled")
}

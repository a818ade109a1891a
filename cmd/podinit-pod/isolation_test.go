package main

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/podinit/podinit/internal/testenv"
	"github.com/podinit/podinit/plan"
)

// Attacks on the pod's isolation, each from inside a component of a default
// pod (every one must fail), then the same pod with the -allow class that
// opens it (the grant must work). A component here is root with Docker's
// default capabilities, the same uid and capabilities as the controller, in
// its PID namespace: exactly what passes the kernel's ptrace access check
// but for the controller being non-dumpable.

// spy is a component that idles, for the test to act from inside it.
func spy(extra string) string {
	return "image: " + bbox + "\ncommand: sleep 3600\n" + extra
}

// inside runs a shell command inside a component, as its own root user.
func inside(p *testPod, component, script string) (string, error) {
	return testenv.Docker("exec", p.name+"."+component, "sh", "-c", script)
}

// refused asserts that the controller refused the pod at validation (exit
// 2), created nothing, and said why with each of wants.
func refused(t *testing.T, p *testPod, wants ...string) {
	t.Helper()
	require.Equal(t, 2, p.exitCode(60*time.Second), "exit 2: the pod is invalid")
	logs := p.logs()
	for _, w := range wants {
		require.Contains(t, logs, w)
	}
	require.Empty(t, p.components(), "nothing created")
}

func TestAttackDockerSocketThroughProcRoot(t *testing.T) {
	t.Parallel()
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("")}, nil)
		p.running("spy")
		out, err := inside(p, "spy", "ls -l /proc/1/root/var/run/docker.sock")
		require.Error(t, err, "the controller's socket through /proc/1/root: %s", out)
		require.Contains(t, out, "Permission denied")
		// Nor through its working directory, its executable or its open
		// descriptors' targets (their numbers are listed, not what they are).
		for _, link := range []string{"/proc/1/cwd", "/proc/1/exe", "/proc/1/fd/0"} {
			out, err := inside(p, "spy", "readlink "+link)
			require.Error(t, err, "readlink %s: %s", link, out)
		}
		// podinit listens on no port and no abstract socket of the network
		// namespace the components share.
		out, _ = inside(p, "spy", "cat /proc/net/tcp /proc/net/tcp6 /proc/net/unix 2>/dev/null")
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			require.False(t, len(f) > 3 && f[3] == "0A", "a TCP listener in the pod: %s", line)
			require.False(t, len(f) > 7 && strings.HasPrefix(f[7], "@"), "an abstract socket in the pod: %s", line)
		}
		// The same look at an ordinary process of the pod works: the
		// refusal is the seal, not a general restriction.
		out, err = inside(p, "spy", "sleep 60 & ls -d /proc/$!/root/bin")
		require.NoError(t, err, out)
	})
	t.Run("allowed: capabilities (cap_add SYS_PTRACE)", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("cap_add: [SYS_PTRACE]")}, nil, "-allow", "capabilities")
		p.running("spy")
		out, err := inside(p, "spy", "ls -l /proc/1/root/var/run/docker.sock")
		require.NoError(t, err, "CAP_SYS_PTRACE passes the kernel's check: %s", out)
		require.Contains(t, out, "docker.sock")
	})
}

func TestAttackControllerEnvironment(t *testing.T) {
	t.Parallel()
	const secret = "DB_PASSWORD=hunter2"
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("")}, []string{"-e", secret})
		p.running("spy", "ipc-holder")
		for _, f := range []string{"/proc/1/environ", "/proc/1/maps", "/proc/1/mem"} {
			out, err := inside(p, "spy", "head -c 64 "+f)
			require.Error(t, err, "%s: %s", f, out)
			require.NotContains(t, out, "hunter2")
		}
		// The IPC holder's process (podinit pause) is sealed too.
		out, err := inside(p, "spy", "cat /proc/$(ps -o pid,args | awk '$2 == \"/podinit\" && $3 == \"pause\" {print $1}')/environ")
		require.Error(t, err, "the holder's environ: %s", out)
		require.Contains(t, out, "Permission denied")
	})
	t.Run("allowed: capabilities (cap_add SYS_PTRACE)", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("cap_add: [SYS_PTRACE]")}, []string{"-e", secret}, "-allow", "capabilities")
		p.running("spy")
		out, err := inside(p, "spy", "tr '\\0' '\\n' < /proc/1/environ")
		require.NoError(t, err, out)
		require.Contains(t, out, secret)
	})
}

var (
	ptraceOnce  sync.Once
	ptraceImage string
	ptraceErr   error
)

// ptraceAttachImage builds testdata/ptraceattach (static) into a FROM
// scratch image, once per test run.
func ptraceAttachImage(t *testing.T) string {
	t.Helper()
	requirePodEnv(t)
	ptraceOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ptraceattach-")
		if err != nil {
			ptraceErr = err
			return
		}
		defer os.RemoveAll(dir)
		build := exec.Command("go", "build", "-o", filepath.Join(dir, "ptraceattach"), "./testdata/ptraceattach")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			ptraceErr = &exec.Error{Name: "go build ptraceattach: " + string(out), Err: err}
			return
		}
		if ptraceErr = os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nCOPY ptraceattach /\nENTRYPOINT [\"/ptraceattach\"]\n"), 0o644); ptraceErr != nil {
			return
		}
		ptraceImage = "podinit-test/ptraceattach:" + strconv.Itoa(os.Getpid())
		if out, err := exec.Command("docker", "build", "-q", "-t", ptraceImage, dir).CombinedOutput(); err != nil {
			ptraceErr = &exec.Error{Name: "docker build: " + string(out), Err: err}
		}
	})
	require.NoError(t, ptraceErr)
	return ptraceImage
}

func TestAttackPtraceAttachToPID1(t *testing.T) {
	t.Parallel()
	image := ptraceAttachImage(t)
	t.Cleanup(func() { testenv.Docker("rmi", image) })
	// An init component attaches to PID 1 as soon as it runs; its exit
	// code is the pod's result: 1 refused, 0 attached.
	attacker := func(extra string) string {
		return "- image: " + image + "\n  command: [\"1\"]\n" + extra
	}
	app := "image: " + bbox + "\ncommand: sleep 3600"
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.init.components": attacker(""), "pod.component.app": app}, nil, "-logs")
		require.Equal(t, 1, p.exitCode(60*time.Second), "the attach must be refused")
		require.Contains(t, p.logs(), "ptrace(PTRACE_SEIZE, 1): operation not permitted")
		require.Contains(t, p.logs(), "init component init-1 exited with 1")
	})
	t.Run("allowed: capabilities (cap_add SYS_PTRACE)", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.init.components": attacker("  cap_add: [SYS_PTRACE]"), "pod.component.app": app}, nil, "-logs", "-allow", "capabilities")
		p.running("app")
		require.Contains(t, p.logs(), "attached to 1")
	})
}

func TestAttackPrivileged(t *testing.T) {
	t.Parallel()
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("privileged: true")}, nil)
		refused(t, p, "pod.component.spy (line 3): privileged: true", "-allow privileged")
	})
	t.Run("allowed", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("privileged: true")}, nil, "-allow", "privileged")
		if out, err := testenv.Docker("run", "--rm", "--privileged", bbox, "true"); err != nil {
			// Some hosts cannot run privileged containers at all (this
			// project's VM: its capability bounding set lacks
			// CAP_SYS_RESOURCE, and runc asks for every capability). Then
			// the engine's refusal proves that podinit passed the pod on.
			t.Logf("this engine runs no privileged container (%s): checking that podinit asked it to", out)
			require.Equal(t, 3, p.exitCode(60*time.Second))
			require.Contains(t, p.logs(), "starting container "+p.name+".spy")
			require.NotContains(t, p.logs(), "the pod cannot run")
			return
		}
		p.running("spy")
		// A privileged container gets the host's devices: /dev/kmsg is one
		// that a default container does not have (this host has no
		// /dev/mem).
		out, err := inside(p, "spy", "grep CapEff /proc/self/status; ls /dev/kmsg")
		require.NoError(t, err, out)
		require.NotZero(t, capEff(t, out)&(1<<21), "CAP_SYS_ADMIN in %s", out)
	})
}

// capEff reads the effective set from grep CapEff output.
func capEff(t *testing.T, out string) uint64 {
	line, _, _ := strings.Cut(out, "\n")
	set, err := strconv.ParseUint(strings.TrimSpace(strings.TrimPrefix(line, "CapEff:")), 16, 64)
	require.NoError(t, err, out)
	return set
}

func TestAttackCapAddSysAdmin(t *testing.T) {
	t.Parallel()
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("cap_add: [SYS_ADMIN]")}, nil)
		refused(t, p, "pod.component.spy (line 3): cap_add: SYS_ADMIN is more than the controller's own effective capabilities", "it lacks SYS_ADMIN", "-allow capabilities")
	})
	t.Run("allowed", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("cap_add: [SYS_ADMIN]")}, nil, "-allow", "capabilities")
		p.running("spy")
		out, err := inside(p, "spy", "grep CapEff /proc/self/status")
		require.NoError(t, err, out)
		require.NotZero(t, capEff(t, out)&(1<<21), "CAP_SYS_ADMIN in %s", out)
	})
}

func TestAttackBindMountOfRootAndSocket(t *testing.T) {
	t.Parallel()
	for _, mount := range []string{"/:/host", "/var/run/docker.sock:/var/run/docker.sock"} {
		for _, flags := range [][]string{nil, {"-allow", "host-mounts"}} {
			t.Run(mount+" "+strings.Join(flags, " "), func(t *testing.T) {
				t.Parallel()
				p := runPod(t, map[string]string{"pod.component.spy": spy("volumes: [\"" + mount + "\"]")}, nil, flags...)
				refused(t, p, "pod.component.spy (line 3): volumes[0]: "+mount+" would hand the component the engine's", "no -allow opens this")
			})
		}
	}
	t.Run("other host paths: default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("volumes: [\"/etc:/host-etc:ro\"]")}, nil)
		refused(t, p, "volumes[0]: /etc:/host-etc mounts a host path", "-allow host-mounts")
	})
	t.Run("other host paths: allowed", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("from-the-host"), 0o644))
		p := runPod(t, map[string]string{"pod.component.spy": spy("volumes: [\"" + dir + ":/h:ro\"]")}, nil, "-allow", "host-mounts")
		p.running("spy")
		out, err := inside(p, "spy", "cat /h/f")
		require.NoError(t, err, out)
		require.Equal(t, "from-the-host", out)
	})
}

func TestAttackAnotherStacksVolume(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	other := uniqueName(t, "otherstack") + "_db"
	testenv.MustDocker(t, "volume", "create", "--label", "com.docker.stack.namespace=otherstack", other)
	t.Cleanup(func() { testenv.Docker("volume", "rm", "-f", other) })
	testenv.MustDocker(t, "run", "--rm", "-v", other+":/v", bbox, "sh", "-c", "echo their-data > /v/f")
	label := spy("volumes: [\"" + other + ":/stolen\"]")
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": label}, nil)
		refused(t, p, "volumes[0]: "+other+":/stolen is neither one of the controller's volumes", "-allow named-volumes")
	})
	t.Run("allowed", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": label}, nil, "-allow", "named-volumes")
		p.running("spy")
		out, err := inside(p, "spy", "cat /stolen/f")
		require.NoError(t, err, out)
		require.Equal(t, "their-data", out)
	})
	t.Run("misspelt", func(t *testing.T) {
		t.Parallel()
		vol := volume(t)
		p := runPod(t, map[string]string{"pod.component.spy": spy("volumes: [\"" + vol + "x:/data\"]")}, ownVolume(vol))
		refused(t, p, vol+"x:/data is neither one of the controller's volumes ("+vol+")")
		_, err := testenv.Docker("volume", "inspect", vol+"x")
		require.Error(t, err, "no misspelt volume was created")
	})
}

func TestAttackCopySymlinkToSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(token, []byte("s3cret-token"), 0o600))
	// An init component shares a volume with the controller and plants
	// links to the controller's secret where pod.copy will read.
	plant := func(vol string) string {
		return "- image: " + bbox + "\n  volumes: [\"" + vol + ":/shared\"]\n" +
			"  command: [\"sh\", \"-c\", \"mkdir -p /shared/conf && ln -s /run/secrets/token /shared/app.conf && ln -s /run/secrets/token /shared/conf/escape && echo ok > /shared/conf/real\"]"
	}
	ctrlArgs := func(vol string) []string {
		return []string{"-v", vol + ":/shared", "-v", token + ":/run/secrets/token:ro"}
	}
	t.Run("the source is a link", func(t *testing.T) {
		t.Parallel()
		vol := volume(t)
		p := runPod(t, map[string]string{
			"pod.init.components": plant(vol),
			"pod.component.app":   spy(""),
			"pod.copy.app":        "/shared/app.conf:/etc/app.conf",
		}, ctrlArgs(vol))
		require.Equal(t, 3, p.exitCode(60*time.Second))
		logs := p.logs()
		require.Contains(t, logs, "pod.copy.app: source /shared/app.conf is a symbolic link (to /run/secrets/token): pod.copy follows no link")
		require.NotContains(t, logs, "s3cret-token")
		p.noneLeft()
	})
	t.Run("a link inside a copied folder", func(t *testing.T) {
		t.Parallel()
		vol := volume(t)
		p := runPod(t, map[string]string{
			"pod.init.components": plant(vol),
			"pod.component.app":   spy(""),
			"pod.copy.app":        "/shared/conf:/etc/conf",
		}, ctrlArgs(vol))
		p.running("app")
		out, err := inside(p, "app", "cat /etc/conf/real; readlink /etc/conf/escape; cat /etc/conf/escape")
		require.Error(t, err, "the link resolves inside the component, where there is no secret: %s", out)
		require.Contains(t, out, "ok", "the folder's files are copied")
		require.Contains(t, out, "/run/secrets/token", "the link is copied as a link")
		require.NotContains(t, out, "s3cret-token")
	})
}

func TestVolumesNeverHandOverTheSockets(t *testing.T) {
	t.Parallel()
	health := volume(t)
	shared := volume(t)
	p := runPod(t, map[string]string{"pod.component.spy": spy("")},
		[]string{"-v", health + ":/run/podinit", "-v", shared + ":/shared", "-v", "/var/lib/docker/volumes/" + shared + ":/engine-data:ro"}, "-volumes")
	p.running("spy")
	out, err := inside(p, "spy", "ls /shared && ls -A /run/podinit /engine-data /var/run/docker.sock")
	require.Error(t, err, "%s", out)
	require.Contains(t, out, "/run/podinit: No such file or directory", "the health socket's volume stays the controller's")
	require.Contains(t, out, "/engine-data: No such file or directory", "nothing of the engine's data root")
	require.Contains(t, out, "/var/run/docker.sock: No such file or directory")

	// Named by its reference, the health socket's volume is refused too.
	q := runPod(t, map[string]string{"pod.component.spy": spy("volumes: [\"" + health + ":/h\"]")},
		[]string{"-v", health + ":/run/podinit"})
	refused(t, q, health+":/h is the controller's volume at /run/podinit, which holds /run/podinit/podinit.sock", "no -allow opens this")
}

func TestSharedIPCHoldsNothingOfTheController(t *testing.T) {
	t.Parallel()
	p := runPod(t, map[string]string{"pod.component.spy": spy("")}, []string{"--ipc", "shareable"})
	p.running("spy")
	require.Equal(t, nsOf(t, p.name, "ipc"), nsOf(t, p.name+".spy", "ipc"), "the controller's own IPC namespace")
	out, err := inside(p, "spy", "ls -A /dev/shm; tail -n +2 /proc/sysvipc/shm /proc/sysvipc/sem /proc/sysvipc/msg | grep -v '^==>' | grep .")
	require.Error(t, err, "no SysV object and no POSIX shared memory of the controller: %s", out)
	require.Empty(t, out)
}

func TestValidateShowsTheCeilingAndTheEngineReach(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	bin := testenv.Binary(t)
	name := uniqueName(t, "validate")
	t.Cleanup(func() { testenv.Docker("rm", "-f", name) })
	testenv.MustDocker(t, "create", "--name", name, "-e", "DOCKER_HOST=tcp://socket-proxy:2375", "--cap-add", "NET_ADMIN",
		"--label", "pod.component.app=image: "+bbox+"\nprivileged: true\ncap_add: [NET_ADMIN]", podImage)

	out, err := exec.Command(bin, "validate", "-container", name, "-allow", "privileged").CombinedOutput()
	require.NoError(t, err, string(out))
	plan := string(out)
	require.Contains(t, plan, "app [main] image "+bbox+" {privileged; cap_add NET_ADMIN}")
	require.Contains(t, plan, "privileged       ALLOWED")
	require.Contains(t, plan, "host-mounts      refused")
	require.Contains(t, plan, "NET_ADMIN", "the controller's own capabilities, from its configuration")
	require.Contains(t, plan, "warning: the controller reaches the engine at tcp://socket-proxy:2375")
	require.Contains(t, plan, "engine: tcp://socket-proxy:2375, REACHABLE by every component")

	out, err = exec.Command(bin, "validate", "-container", name).CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "privileged: true gives the component every capability")
	out, err = exec.Command(bin, "validate", "-container", name, "-allow", "privileged", "-strict-engine").CombinedOutput()
	require.Error(t, err)
	require.Equal(t, 2, err.(*exec.ExitError).ExitCode())
	require.Contains(t, string(out), "-strict-engine refuses it")
}

func TestDevicesOpenWithAllow(t *testing.T) {
	t.Parallel()
	label := spy("devices: [\"/dev/kmsg:/dev/kmsg\"]")
	t.Run("default", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": label}, nil)
		refused(t, p, "pod.component.spy (line 3): devices: /dev/kmsg:/dev/kmsg gives the component a host device", "-allow devices")
	})
	t.Run("allowed", func(t *testing.T) {
		t.Parallel()
		// On cgroup v1 the component is then not nested under the
		// controller's devices cgroup, which would refuse the device.
		p := runPod(t, map[string]string{"pod.component.spy": label}, nil, "-allow", "devices")
		p.running("spy")
		out, err := inside(p, "spy", "test -c /dev/kmsg && echo device")
		require.NoError(t, err, out)
		require.Equal(t, "device", out)
	})
}

func TestReadmeAllowClassesMatchTheCode(t *testing.T) {
	want := "| `-allow` | opens |\n|---|---|\n"
	for _, c := range plan.Classes {
		want += "| `" + string(c.Class) + "` | " + c.Opens + " |\n"
	}
	require.Equal(t, want, testenv.DocBlock(t, "docs/security.md", "allow"), "docs/security.md's -allow table must be plan.Classes")
}

func TestVolumesDeclaredByThePodNeedNoAllow(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	real := uniqueName(t, "declared")
	t.Cleanup(func() { testenv.Docker("volume", "rm", "-f", real) })
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pod.yml"), []byte(`
services:
  app:
    image: `+bbox+`
    volumes: [cache:/c]
    command: ["sh", "-c", "echo written > /c/f; sleep 3600"]
volumes:
  cache: {name: `+real+`}
`), 0o644))
	p := runPod(t, map[string]string{"pod.compose.file": "/pod/pod.yml"}, []string{"-v", dir + ":/pod:ro"})
	p.running("app")
	testenv.WaitFor(t, 10*time.Second, func() bool { return readVolume(t, real, "f") == "written" }, "app to write into the declared volume under its name")
}

// tcpEngine serves the engine's API over TCP on the docker0 bridge's
// address, as a socket proxy on a network would, and returns its
// DOCKER_HOST.
func tcpEngine(t *testing.T) string {
	t.Helper()
	br, err := net.InterfaceByName("docker0")
	if err != nil {
		testenv.Unavailable(t, "needs the engine's docker0 bridge: %v", err)
	}
	addrs, _ := br.Addrs()
	var ip net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil {
			ip = n.IP
		}
	}
	if ip == nil {
		testenv.Unavailable(t, "docker0 has no IPv4 address")
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				u, err := net.Dial("unix", "/var/run/docker.sock")
				if err != nil {
					return
				}
				defer u.Close()
				go io.Copy(u, c)
				io.Copy(c, u)
			}()
		}
	}()
	return "tcp://" + l.Addr().String()
}

func TestEngineOverTCPIsReachableByComponents(t *testing.T) {
	t.Parallel()
	requirePodEnv(t)
	host := tcpEngine(t)
	t.Run("warned, and reachable", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("")}, []string{"-e", "DOCKER_HOST=" + host})
		p.running("spy")
		require.Contains(t, p.logs(), "warning: the controller reaches the engine at "+host+" over the network namespace that every component shares")
		// What the warning is about: the component calls the same API.
		out, err := inside(p, "spy", "wget -qO- http://"+strings.TrimPrefix(host, "tcp://")+"/_ping")
		require.NoError(t, err, out)
		require.Equal(t, "OK", out)
	})
	t.Run("-strict-engine", func(t *testing.T) {
		t.Parallel()
		p := runPod(t, map[string]string{"pod.component.spy": spy("")}, []string{"-e", "DOCKER_HOST=" + host}, "-strict-engine")
		refused(t, p, "the controller reaches the engine at "+host, "-strict-engine refuses it")
	})
}

func TestCopyOverTheLimitFailsClearly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "small"), []byte("fits"), 0o644))
	big, err := os.Create(filepath.Join(dir, "big"))
	require.NoError(t, err)
	require.NoError(t, big.Truncate(65<<20)) // sparse: 65 MiB of zeros
	require.NoError(t, big.Close())
	p := runPod(t, map[string]string{
		"pod.component.app": spy(""),
		"pod.copy.app":      "- /data/small:/small\n- /data/big:/big",
	}, []string{"-v", dir + ":/data:ro"})
	require.Equal(t, 3, p.exitCode(60*time.Second))
	require.Contains(t, p.logs(), "pod.copy.app: /data/big takes the copy past its limit of 64 MiB")
	p.noneLeft()
}
